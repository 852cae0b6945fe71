//! Search by name, code or staff number from an index (migration `0018_search.sql`).
//!
//! A record's `search_text` is its searchable words with every letter, digit or CJK character
//! separated by a space ([`spaced`]); a query is the phrase of its own characters. A full-text
//! index of single characters (SQLite FTS5, PostgreSQL GIN over `to_tsvector('simple', …)`) thus
//! finds substrings of any length — two-character names such as 王伟 included, which trigram indexes
//! (FTS5 `trigram`, `pg_trgm`) cannot serve — without scanning the table.

use crate::sql::Sql;
use crate::{Backend, Result, Store};

/// `parts` lower-cased, letters, digits and CJK characters only, one space between characters.
pub fn spaced(parts: &[&str]) -> String {
    let mut out = String::new();
    for c in parts
        .iter()
        .flat_map(|p| p.chars())
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
    {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

/// The two searchable tables.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Searched {
    /// `t` joined as in the teacher list.
    Teachers,
    /// `s` joined as in the school list.
    Schools,
}

/// Restricts `q` to rows whose name or code contains `text` (nothing when `text` has no letter,
/// digit or character to look for).
pub(crate) fn push_match(q: &mut Sql, backend: Backend, table: Searched, text: &str) {
    let phrase = spaced(&[text]);
    if phrase.is_empty() {
        return;
    }
    match (backend, table) {
        (Backend::Sqlite, Searched::Teachers) => {
            q.push(" AND t.id IN (SELECT rowid FROM teacher_search WHERE teacher_search MATCH ")
                .bind(format!("\"{}\"", phrase.replace('"', "\"\"")))
                .push(")");
        }
        (Backend::Sqlite, Searched::Schools) => {
            q.push(" AND s.id IN (SELECT rowid FROM school_search WHERE school_search MATCH ")
                .bind(format!("\"{}\"", phrase.replace('"', "\"\"")))
                .push(")");
        }
        (Backend::Postgres, Searched::Teachers) => {
            q.push(" AND to_tsvector('simple', t.search_text) @@ phraseto_tsquery('simple', ")
                .bind(phrase)
                .push(")");
        }
        (Backend::Postgres, Searched::Schools) => {
            q.push(" AND to_tsvector('simple', s.search_text) @@ phraseto_tsquery('simple', ")
                .bind(phrase)
                .push(")");
        }
    }
}

impl Store {
    /// Fills `search_text` of rows written before the search index existed (one transaction;
    /// nothing to do on later starts).
    pub(crate) async fn backfill_search(&self) -> Result<()> {
        let teachers: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT id, name, staff_number FROM teachers WHERE search_text = '' ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        let schools: Vec<(i64, String, String)> =
            sqlx::query_as("SELECT id, name, code FROM schools WHERE search_text = '' ORDER BY id")
                .fetch_all(&self.pool)
                .await?;
        if teachers.is_empty() && schools.is_empty() {
            return Ok(());
        }
        let mut tx = self.begin_write().await?;
        for (id, name, number) in teachers {
            sqlx::query("UPDATE teachers SET search_text = $1 WHERE id = $2")
                .bind(spaced(&[&name, &number]))
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        for (id, name, code) in schools {
            sqlx::query("UPDATE schools SET search_text = $1 WHERE id = $2")
                .bind(spaced(&[&name, &code]))
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::spaced;

    #[test]
    fn spaced_keeps_letters_digits_and_characters() {
        assert_eq!(spaced(&["王伟", "ZD00001"]), "王 伟 z d 0 0 0 0 1");
        assert_eq!(
            spaced(&["曾都区 实验-小学（东）"]),
            "曾 都 区 实 验 小 学 东"
        );
        assert_eq!(spaced(&["  -  "]), "");
    }
}
