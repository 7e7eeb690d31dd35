//! Certificate search: the public face of `certificates`, for the search page and
//! the search API (the real service's "certificate search").
//!
//! Only signed certificates are found (`der IS NOT NULL`), and only public data is
//! returned. The status each hit reports comes from its row in `certificates`, the
//! one source of truth (R-STATUS-TRUTH): `revoked` when the row says so, else
//! `expired` once `not_after` has passed, else `valid`.
//!
//! Paging is by offset: page *n* of size *s* skips `(n - 1) * s` rows of a total
//! order (newest issue first, then serial), so a page number is a stable link
//! while nothing is issued, and the total count is exact. Keyset paging would
//! survive concurrent issuance better, but a search result that is read page by
//! page is small and short-lived, and page numbers are what the page shows.
//!
//! The text filters are case-insensitive substrings. Both backends fold with
//! `lower()` plus the Nordic letters (`Å Ä Ö Ü É`) that SQLite's ASCII-only
//! `lower()` leaves alone; other non-ASCII capitals match only in the case given
//! on SQLite. `%` and `_` in user input match themselves (an `ESCAPE` clause).

use serde::Serialize;
use sqlx::{AssertSqlSafe, Row};

use crate::error::{Result, StoreError};
use crate::{Store, normalise_serial};

/// The default page size.
pub const DEFAULT_PER_PAGE: u32 = 20;
/// The largest page size.
pub const MAX_PER_PAGE: u32 = 100;
/// The highest page number (keeps the offset well inside 64 bits and the
/// database's patience).
pub const MAX_PAGE: u32 = 100_000;

/// The status filter of a search, and the status a hit reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SearchStatus {
    /// Not revoked and within its validity (`not_after` not yet passed).
    Valid,
    /// Revoked (whether or not it has expired since).
    Revoked,
    /// Not revoked, but `not_after` lies before the query's `now`.
    Expired,
}

impl SearchStatus {
    /// Every status, in the order the search page lists them.
    pub const ALL: [SearchStatus; 3] = [Self::Valid, Self::Revoked, Self::Expired];

    /// `"valid"`, `"revoked"` or `"expired"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Valid => "valid",
            Self::Revoked => "revoked",
            Self::Expired => "expired",
        }
    }

    /// The status with this name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// What [`Store::search_certificates`] looks for. Every filter that is `None`
/// (or empty) matches everything; the filters given must all match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    /// The serial number, exactly: hex in any case, with or without colons,
    /// spaces or a `0x` prefix.
    pub serial: Option<String>,
    /// The organisation's OID, exactly.
    pub org_oid: Option<String>,
    /// A case-insensitive substring of the organisation's Finnish, Swedish or
    /// English name.
    pub org_name: Option<String>,
    /// A case-insensitive substring of the subject DN text.
    pub subject: Option<String>,
    /// The profile name, exactly (`server`, `test-server`, …).
    pub profile: Option<String>,
    /// Only certificates in this status at `now`.
    pub status: Option<SearchStatus>,
    /// The time the status is judged at (Unix seconds).
    pub now: i64,
    /// The page, from 1 (at most [`MAX_PAGE`]).
    pub page: u32,
    /// Hits per page, 1 to [`MAX_PER_PAGE`].
    pub per_page: u32,
}

impl SearchQuery {
    /// A query that matches every signed certificate, first page, default size.
    pub fn all(now: i64) -> Self {
        Self {
            serial: None,
            org_oid: None,
            org_name: None,
            subject: None,
            profile: None,
            status: None,
            now,
            page: 1,
            per_page: DEFAULT_PER_PAGE,
        }
    }
}

/// The names of a hit's organisation, from the register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrgNames {
    /// The organisation's OID.
    pub oid: String,
    /// Name in Finnish (`None` when the OID is not in the register).
    pub name_fi: Option<String>,
    /// Name in Swedish.
    pub name_sv: Option<String>,
    /// Name in English.
    pub name_en: Option<String>,
}

/// One certificate found: public data only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SearchHit {
    /// The serial number, lower-case hex.
    pub serial: String,
    /// The certificate profile.
    pub profile: String,
    /// The subject DN, as text.
    pub subject: String,
    /// The issuing CA's id.
    pub ca_id: String,
    /// The subject organisation, if the certificate has one.
    pub organisation: Option<OrgNames>,
    /// Start of validity.
    pub not_before: i64,
    /// End of validity (inclusive).
    pub not_after: i64,
    /// The status at the query's `now`, from the database (R-STATUS-TRUTH).
    pub status: SearchStatus,
    /// When it was revoked.
    pub revoked_at: Option<i64>,
    /// The RFC 5280 reason name of the revocation.
    pub revocation_reason: Option<String>,
    /// The certificate, DER.
    #[serde(skip)]
    pub der: Vec<u8>,
}

/// One page of hits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SearchPage {
    /// The hits of this page, newest issue first.
    pub items: Vec<SearchHit>,
    /// This page's number, from 1.
    pub page: u32,
    /// The page size asked for.
    pub per_page: u32,
    /// How many certificates match in all.
    pub total: i64,
    /// The next page's number, if there are more hits.
    pub next_page: Option<u32>,
}

/// A value bound to a placeholder.
enum Bind {
    Text(String),
    Int(i64),
}

/// `lower()` plus the capitals SQLite's `lower()` leaves alone.
fn fold(column: &str) -> String {
    let mut expr = format!("lower({column})");
    for (upper, lower) in [("Å", "å"), ("Ä", "ä"), ("Ö", "ö"), ("Ü", "ü"), ("É", "é")] {
        expr = format!("replace({expr}, '{upper}', '{lower}')");
    }
    expr
}

/// A `LIKE` pattern matching `needle` anywhere, with `\` escaping `%`, `_` and `\`.
fn contains_pattern(needle: &str) -> String {
    let mut out = String::with_capacity(needle.len() + 2);
    out.push('%');
    for c in needle.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// A serial number as people paste it, as the store keeps it.
fn search_serial(input: &str) -> Result<String> {
    let trimmed = input.trim();
    let body = trimmed
        .strip_prefix("0x")
        .or_else(|| trimmed.strip_prefix("0X"))
        .unwrap_or(trimmed);
    let mut hex: String = body
        .chars()
        .filter(|c| *c != ':' && !c.is_whitespace())
        .collect();
    if hex.len() % 2 == 1 {
        hex.insert(0, '0');
    }
    // The store keeps serials without leading zero octets.
    while hex.len() > 2 && hex.starts_with("00") {
        hex.drain(..2);
    }
    normalise_serial(&hex).map_err(|_| StoreError::InvalidInput {
        field: "serial",
        reason: format!(
            "{input:?} is not a serial number: give its hex digits (colons and spaces are \
             allowed), e.g. 4f:0a:…"
        ),
    })
}

/// A filter value, or `None` when it is absent or blank.
fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// The WHERE clause of `q` and its values, numbered from `$1`.
fn where_clause(q: &SearchQuery) -> Result<(String, Vec<Bind>)> {
    let mut sql = String::from(" WHERE c.der IS NOT NULL");
    let mut binds = Vec::new();
    fn push(sql: &mut String, binds: &mut Vec<Bind>, fragment: &str, value: Bind) {
        binds.push(value);
        sql.push_str(&fragment.replace("{}", &format!("${}", binds.len())));
    }
    if let Some(serial) = given(&q.serial) {
        push(
            &mut sql,
            &mut binds,
            " AND c.serial = {}",
            Bind::Text(search_serial(serial)?),
        );
    }
    if let Some(oid) = given(&q.org_oid) {
        push(
            &mut sql,
            &mut binds,
            " AND c.org_oid = {}",
            Bind::Text(oid.to_owned()),
        );
    }
    if let Some(name) = given(&q.org_name) {
        let pattern = contains_pattern(name);
        sql.push_str(" AND (");
        for (i, column) in ["o.name_fi", "o.name_sv", "o.name_en"].iter().enumerate() {
            if i > 0 {
                sql.push_str(" OR ");
            }
            let fragment = format!("{} LIKE {{}} ESCAPE '\\'", fold(column));
            push(&mut sql, &mut binds, &fragment, Bind::Text(pattern.clone()));
        }
        sql.push(')');
    }
    if let Some(subject) = given(&q.subject) {
        let fragment = format!(" AND {} LIKE {{}} ESCAPE '\\'", fold("c.subject"));
        push(
            &mut sql,
            &mut binds,
            &fragment,
            Bind::Text(contains_pattern(subject)),
        );
    }
    if let Some(profile) = given(&q.profile) {
        push(
            &mut sql,
            &mut binds,
            " AND c.profile = {}",
            Bind::Text(profile.to_owned()),
        );
    }
    match q.status {
        None => {}
        Some(SearchStatus::Revoked) => sql.push_str(" AND c.status = 'revoked'"),
        Some(SearchStatus::Valid) => push(
            &mut sql,
            &mut binds,
            " AND c.status = 'valid' AND c.not_after >= {}",
            Bind::Int(q.now),
        ),
        Some(SearchStatus::Expired) => push(
            &mut sql,
            &mut binds,
            " AND c.status = 'valid' AND c.not_after < {}",
            Bind::Int(q.now),
        ),
    }
    Ok((sql, binds))
}

fn bind_all<'q>(
    mut query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    binds: &'q [Bind],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    for b in binds {
        query = match b {
            Bind::Text(s) => query.bind(s.as_str()),
            Bind::Int(i) => query.bind(*i),
        };
    }
    query
}

const FROM: &str = " FROM certificates c LEFT JOIN organisations o ON o.oid = c.org_oid";

impl Store {
    /// Searches the signed certificates (see the [module](self) for the rules),
    /// one page at a time, newest issue first.
    ///
    /// Fails with [`StoreError::InvalidInput`] on a serial that is not hex, a
    /// page of 0 or above [`MAX_PAGE`], or a page size outside 1 to
    /// [`MAX_PER_PAGE`].
    pub async fn search_certificates(&self, q: &SearchQuery) -> Result<SearchPage> {
        if q.per_page == 0 || q.per_page > MAX_PER_PAGE {
            return Err(StoreError::InvalidInput {
                field: "per_page",
                reason: format!("{} is not between 1 and {MAX_PER_PAGE}", q.per_page),
            });
        }
        if q.page == 0 || q.page > MAX_PAGE {
            return Err(StoreError::InvalidInput {
                field: "page",
                reason: format!("{} is not between 1 and {MAX_PAGE}", q.page),
            });
        }
        let (filter, mut binds) = where_clause(q)?;
        let count_sql = format!("SELECT COUNT(*) AS n{FROM}{filter}");
        let total: i64 = bind_all(sqlx::query(AssertSqlSafe(count_sql)), &binds)
            .fetch_one(&self.inner.pool)
            .await?
            .try_get("n")?;

        let offset = i64::from(q.page - 1) * i64::from(q.per_page);
        binds.push(Bind::Int(i64::from(q.per_page)));
        binds.push(Bind::Int(offset));
        let n = binds.len();
        let rows_sql = format!(
            "SELECT c.serial, c.profile, c.subject, c.ca_id, c.org_oid, c.not_before, \
             c.not_after, c.status, c.revoked_at, c.revocation_reason, c.der, \
             o.name_fi, o.name_sv, o.name_en{FROM}{filter} \
             ORDER BY c.issued_at DESC, c.serial LIMIT ${} OFFSET ${n}",
            n - 1
        );
        let rows = bind_all(sqlx::query(AssertSqlSafe(rows_sql)), &binds)
            .fetch_all(&self.inner.pool)
            .await?;
        let items = rows
            .iter()
            .map(|row| hit_from_row(row, q.now))
            .collect::<Result<Vec<_>>>()?;
        let seen = offset + i64::try_from(items.len()).unwrap_or(i64::MAX);
        Ok(SearchPage {
            next_page: (seen < total).then_some(q.page + 1),
            items,
            page: q.page,
            per_page: q.per_page,
            total,
        })
    }
}

fn hit_from_row(row: &sqlx::any::AnyRow, now: i64) -> Result<SearchHit> {
    let serial: String = row.try_get("serial")?;
    let status: String = row.try_get("status")?;
    let not_after: i64 = row.try_get("not_after")?;
    let status = match status.as_str() {
        "revoked" => SearchStatus::Revoked,
        "valid" if not_after < now => SearchStatus::Expired,
        "valid" => SearchStatus::Valid,
        other => {
            return Err(StoreError::CorruptData {
                what: format!("signed certificate {serial} has status {other:?}"),
            });
        }
    };
    let org_oid: Option<String> = row.try_get("org_oid")?;
    let der: Option<Vec<u8>> = row.try_get("der")?;
    Ok(SearchHit {
        profile: row.try_get("profile")?,
        subject: row.try_get("subject")?,
        ca_id: row.try_get("ca_id")?,
        organisation: match org_oid {
            Some(oid) => Some(OrgNames {
                oid,
                name_fi: row.try_get("name_fi")?,
                name_sv: row.try_get("name_sv")?,
                name_en: row.try_get("name_en")?,
            }),
            None => None,
        },
        not_before: row.try_get("not_before")?,
        not_after,
        status,
        revoked_at: row.try_get("revoked_at")?,
        revocation_reason: row.try_get("revocation_reason")?,
        der: der.unwrap_or_default(),
        serial,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_escape_wildcards() {
        assert_eq!(contains_pattern("A%b_c\\"), "%a\\%b\\_c\\\\%");
        assert_eq!(contains_pattern("ÄÖ"), "%äö%");
    }

    #[test]
    fn serials_as_pasted() {
        assert_eq!(search_serial("4F:0A:b1").unwrap(), "4f0ab1");
        assert_eq!(search_serial(" 0x4f 0a ").unwrap(), "4f0a");
        assert_eq!(search_serial("00:7f:01").unwrap(), "7f01");
        assert_eq!(search_serial("abc").unwrap(), "0abc");
        assert!(search_serial("zz").is_err());
        assert!(search_serial(":").is_err());
    }

    #[test]
    fn folding_covers_nordic_capitals() {
        let f = fold("x");
        assert!(f.contains("lower(x)") && f.contains("'Ä', 'ä'"), "{f}");
    }
}
