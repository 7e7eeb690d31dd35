//! Statements with a multi-row `VALUES` list, in a few fixed sizes.
//!
//! Writing many rows in one statement saves a round trip to the database per
//! row. The row counts are limited to [`SIZES`] so that each statement has
//! only a few shapes, which the connection's statement cache keeps prepared.
//! Every statement must ignore a row whose first value is NULL: an INSERT
//! selects `FROM (VALUES …) AS v WHERE v.column1 IS NOT NULL`, an UPDATE joins
//! on `v.column1`, which NULL never equals.

use std::sync::OnceLock;

use sqlx::AnyConnection;

/// The row counts of a multi-row statement. A chunk of rows is sent as the
/// smallest of these that holds it, padded with rows of NULLs that the
/// statement ignores; so each group of rows takes one statement.
pub(crate) const SIZES: [usize; 4] = [8, 16, 32, 64];

/// The most rows in one statement.
pub(crate) const MAX_ROWS: usize = SIZES[SIZES.len() - 1];

/// Splits `items` into chunks of at most [`MAX_ROWS`].
pub(crate) fn chunks<T>(items: &[T]) -> std::slice::Chunks<'_, T> {
    items.chunks(MAX_ROWS)
}

/// The statement size for `rows` rows.
fn size_for(rows: usize) -> usize {
    SIZES
        .iter()
        .copied()
        .find(|&size| size >= rows)
        .expect("chunks hold at most MAX_ROWS rows")
}

/// `prefix` + `row` repeated with numbered placeholders + `suffix`.
pub(crate) struct MultiRow {
    prefix: &'static str,
    /// One row, with `{0}` … `{9}` standing for its parameters.
    row: &'static str,
    params: usize,
    suffix: &'static str,
    /// Numbered placeholders (`$1`, PostgreSQL and SQLite alike), by size.
    numbered: OnceLock<Vec<String>>,
    /// Anonymous placeholders (`?`, SQLite only), by size.
    anonymous: OnceLock<Vec<String>>,
}

impl MultiRow {
    pub(crate) const fn new(
        prefix: &'static str,
        row: &'static str,
        params: usize,
        suffix: &'static str,
    ) -> Self {
        MultiRow {
            prefix,
            row,
            params,
            suffix,
            numbered: OnceLock::new(),
            anonymous: OnceLock::new(),
        }
    }

    /// The statement for `rows` rows (at most [`MAX_ROWS`]) on `conn`'s database;
    /// bind [`MultiRow::padding`] rows of NULLs after them.
    ///
    /// On SQLite the placeholders are anonymous (`?`) where each parameter is used
    /// once: binding a numbered one makes sqlx look its name up in SQLite's list of
    /// names, which costs time in proportion to the statement's parameters, so a
    /// 64-row statement spent most of its binding time there.
    pub(crate) fn sql_for(&'static self, conn: &AnyConnection, rows: usize) -> &'static str {
        if conn.backend_name() == "SQLite" && self.uses_each_param_once() {
            self.pick(&self.anonymous, rows, |_| "?".to_owned())
        } else {
            self.sql(rows)
        }
    }

    /// The statement for `rows` rows with numbered placeholders (`$1` …), which
    /// both databases accept.
    pub(crate) fn sql(&'static self, rows: usize) -> &'static str {
        self.pick(&self.numbered, rows, |number| format!("${number}"))
    }

    fn uses_each_param_once(&self) -> bool {
        (0..self.params).all(|p| self.row.matches(&format!("{{{p}}}")).count() == 1)
    }

    fn pick(
        &'static self,
        cache: &'static OnceLock<Vec<String>>,
        rows: usize,
        placeholder: impl Fn(usize) -> String,
    ) -> &'static str {
        let all = cache.get_or_init(|| {
            SIZES
                .iter()
                .map(|&rows| {
                    let mut sql = String::from(self.prefix);
                    for row in 0..rows {
                        if row > 0 {
                            sql.push_str(", ");
                        }
                        let mut text = self.row.to_owned();
                        for param in 0..self.params {
                            let number = row * self.params + param + 1;
                            text = text.replace(&format!("{{{param}}}"), &placeholder(number));
                        }
                        sql.push_str(&text);
                    }
                    sql.push_str(self.suffix);
                    sql
                })
                .collect()
        });
        let size = size_for(rows);
        let index = SIZES
            .iter()
            .position(|&n| n == size)
            .expect("size_for returns one of SIZES");
        &all[index]
    }

    /// How many rows of NULLs to bind after `rows` rows.
    pub(crate) fn padding(&self, rows: usize) -> usize {
        size_for(rows) - rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunking() {
        let sizes = |n: usize| {
            let items = vec![0; n];
            chunks(&items).map(<[_]>::len).collect::<Vec<_>>()
        };
        assert_eq!(sizes(0), Vec::<usize>::new());
        assert_eq!(sizes(1), [1]);
        assert_eq!(sizes(150), [64, 64, 22]);
        assert_eq!(size_for(1), 8);
        assert_eq!(size_for(9), 16);
        assert_eq!(size_for(64), 64);
    }

    #[test]
    fn placeholders() {
        static S: MultiRow = MultiRow::new("INSERT INTO t VALUES ", "({0}, 'x', {1}, {1})", 2, ";");
        let one = S.sql(1);
        assert!(one.starts_with("INSERT INTO t VALUES ($1, 'x', $2, $2), ($3, 'x', $4, $4), "));
        assert!(one.ends_with(", ($15, 'x', $16, $16);"), "{one}");
        assert_eq!(S.padding(1), 7);
        assert_eq!(S.padding(8), 0);
        assert_eq!(S.sql(9).matches("'x'").count(), 16);
    }
}
