//! Where each value of a JSON text starts: the line of every path, so that a problem
//! found in a parsed `serde_json::Value` can name its line in the file.

use std::collections::HashMap;

/// One open container while scanning.
enum Frame {
    /// An array: its path and how many elements have started.
    Array { path: String, count: usize },
    /// An object: its path and the key whose value comes next, if one was read.
    Object { path: String, key: Option<String> },
}

/// The 1-based line on which each value of `json` starts, by path: `""` for the top
/// level, `[3]` for the fourth element of a top-level array, `[3].professions[1].code`
/// for a member. For an object member the line is the line of its key.
///
/// Meant for text that `serde_json` has already accepted: on anything else the map is
/// merely incomplete, never wrong about the values it does hold before the fault.
pub(crate) fn value_lines(json: &str) -> HashMap<String, usize> {
    let bytes = json.as_bytes();
    let mut lines = HashMap::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut line = 1usize;
    let mut i = 0usize;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => {
                line += 1;
                i += 1;
            }
            b'"' => {
                let start = i;
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                i += 1;
                let raw = json.get(start..i.min(bytes.len())).unwrap_or_default();
                if let Some(Frame::Object {
                    path,
                    key: key @ None,
                }) = stack.last_mut()
                {
                    // A key: decode its escapes the way the parser did.
                    let name = serde_json::from_str::<String>(raw)
                        .unwrap_or_else(|_| raw.trim_matches('"').to_owned());
                    lines.insert(join(path, &name), line);
                    *key = Some(name);
                } else {
                    start_value(&mut stack, &mut lines, line);
                    end_value(&mut stack);
                }
            }
            b'{' | b'[' => {
                let path = start_value(&mut stack, &mut lines, line);
                stack.push(if bytes[i] == b'{' {
                    Frame::Object { path, key: None }
                } else {
                    Frame::Array { path, count: 0 }
                });
                i += 1;
            }
            b'}' | b']' => {
                stack.pop();
                end_value(&mut stack);
                i += 1;
            }
            b' ' | b'\t' | b'\r' | b':' | b',' => i += 1,
            _ => {
                // A number, true, false or null.
                start_value(&mut stack, &mut lines, line);
                while i < bytes.len()
                    && !matches!(bytes[i], b',' | b'}' | b']' | b' ' | b'\t' | b'\r' | b'\n')
                {
                    i += 1;
                }
                end_value(&mut stack);
            }
        }
    }
    lines
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// Records the line of the value that starts now and returns its path.
fn start_value(stack: &mut [Frame], lines: &mut HashMap<String, usize>, line: usize) -> String {
    match stack.last_mut() {
        None => {
            lines.insert(String::new(), line);
            String::new()
        }
        Some(Frame::Array { path, count }) => {
            let element = format!("{path}[{count}]");
            *count += 1;
            lines.insert(element.clone(), line);
            element
        }
        Some(Frame::Object { path, key }) => join(path, key.as_deref().unwrap_or_default()),
    }
}

/// After a member's value: the object expects a key again.
fn end_value(stack: &mut [Frame]) {
    if let Some(Frame::Object { key, .. }) = stack.last_mut() {
        *key = None;
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn paths_and_lines() {
        let json = "[\n  {\"a\": 1,\n   \"b\": [true,\n         {\"c\": \"x\\\"]\"}]},\n  {\"a\": null}\n]\n";
        let lines = value_lines(json);
        assert_eq!(lines[""], 1);
        assert_eq!(lines["[0]"], 2);
        assert_eq!(lines["[0].a"], 2);
        assert_eq!(lines["[0].b"], 3);
        assert_eq!(lines["[0].b[0]"], 3);
        assert_eq!(lines["[0].b[1]"], 4);
        assert_eq!(lines["[0].b[1].c"], 4);
        assert_eq!(lines["[1]"], 5);
        assert_eq!(lines["[1].a"], 5);
        assert_eq!(lines.len(), 9);
    }

    #[test]
    fn escaped_keys_and_unicode() {
        let json = "[{\"\\u00e4\": \"åäö\", \"k\": {\"x\": []}}]";
        let lines = value_lines(json);
        assert_eq!(lines["[0].ä"], 1);
        assert_eq!(lines["[0].k.x"], 1);
    }
}
