//! Statements with a multi-row `VALUES` list, in a few fixed sizes.
//!
//! Writing many rows in one statement saves a round trip to the database per
//! row. The row counts are limited to [`SIZES`] so that each statement has
//! only a few shapes, which the connection's statement cache keeps prepared.
//! Every statement must ignore a row whose first value is NULL: an INSERT
//! selects `FROM (VALUES …) AS v WHERE v.column1 IS NOT NULL`, an UPDATE joins
//! on `v.column1`, which NULL never equals.

use std::sync::OnceLock;

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
    sql: OnceLock<Vec<String>>,
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
            sql: OnceLock::new(),
        }
    }

    /// The statement for `rows` rows (at most [`MAX_ROWS`]); bind
    /// [`MultiRow::padding`] rows of NULLs after them.
    pub(crate) fn sql(&'static self, rows: usize) -> &'static str {
        let all = self.sql.get_or_init(|| {
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
                            text = text.replace(&format!("{{{param}}}"), &format!("${number}"));
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
