//! What a message file defines: every message and attribute with the variables
//! it uses. The tests of each crate that has message files compare the three
//! languages with it (the same ids, the same variables), and a crate can list
//! its ids to check that every code it may show has a message.

use std::collections::{BTreeMap, BTreeSet};

use fluent_syntax::ast;

/// A file's messages: `id` (or `id.attribute`) → the variables it uses.
pub type Inventory = BTreeMap<String, BTreeSet<String>>;

/// The messages of one Fluent source, or why it cannot be used: a syntax
/// error, a message defined twice, or a term (our files use messages only, so
/// that every id can be looked up).
pub fn inventory(source: &str) -> Result<Inventory, String> {
    let resource =
        fluent_syntax::parser::parse(source).map_err(|(_, errors)| format!("{errors:?}"))?;
    let mut messages = Inventory::new();
    for entry in &resource.body {
        match entry {
            ast::Entry::Message(m) => {
                let mut vars = BTreeSet::new();
                if let Some(value) = &m.value {
                    pattern_vars(value, &mut vars);
                }
                if messages.insert(m.id.name.to_owned(), vars).is_some() {
                    return Err(format!("message {} is defined twice", m.id.name));
                }
                for attr in &m.attributes {
                    let mut vars = BTreeSet::new();
                    pattern_vars(&attr.value, &mut vars);
                    messages.insert(format!("{}.{}", m.id.name, attr.id.name), vars);
                }
            }
            ast::Entry::Term(t) => {
                return Err(format!("term -{}: use a message instead", t.id.name));
            }
            ast::Entry::Junk { content } => return Err(format!("cannot parse {content:?}")),
            _ => {}
        }
    }
    Ok(messages)
}

/// Every variable a pattern refers to, however deeply.
fn pattern_vars(pattern: &ast::Pattern<&str>, out: &mut BTreeSet<String>) {
    for element in &pattern.elements {
        if let ast::PatternElement::Placeable { expression } = element {
            expression_vars(expression, out);
        }
    }
}

fn expression_vars(expression: &ast::Expression<&str>, out: &mut BTreeSet<String>) {
    match expression {
        ast::Expression::Inline(inline) => inline_vars(inline, out),
        ast::Expression::Select { selector, variants } => {
            inline_vars(selector, out);
            for v in variants {
                pattern_vars(&v.value, out);
            }
        }
    }
}

fn inline_vars(inline: &ast::InlineExpression<&str>, out: &mut BTreeSet<String>) {
    match inline {
        ast::InlineExpression::VariableReference { id } => {
            out.insert(id.name.to_owned());
        }
        ast::InlineExpression::Placeable { expression } => expression_vars(expression, out),
        ast::InlineExpression::FunctionReference { arguments, .. } => {
            for a in &arguments.positional {
                inline_vars(a, out);
            }
            for a in &arguments.named {
                inline_vars(&a.value, out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn lists_messages_attributes_and_their_variables() {
        let inv = inventory(
            "a = Hello { $name }\n    .title = { $n ->\n [one] one\n *[other] { $n } of { $total }\n }\nb = { NUMBER($count) } items\n",
        )
        .unwrap();
        assert_eq!(inv["a"], BTreeSet::from(["name".to_owned()]));
        assert_eq!(
            inv["a.title"],
            BTreeSet::from(["n".to_owned(), "total".to_owned()])
        );
        assert_eq!(inv["b"], BTreeSet::from(["count".to_owned()]));
        assert!(inventory("a = x\na = y\n").unwrap_err().contains("twice"));
        assert!(inventory("-t = x\n").unwrap_err().contains("term"));
        assert!(inventory("a = { \n").is_err());
    }
}
