//! Figures for the dashboards (region, community): activities per month, exchanges and their
//! logged hours, the latest unified tests, and the school years that have data. The community
//! dashboard's term figures (`calendar.rs`) call the same queries with [`Within::Community`].

use crate::{Result, Store};
use serde::Serialize;
use utoipa::ToSchema;

/// Whose records a figure counts.
#[derive(Debug, Clone, Copy)]
pub enum Within<'a> {
    /// One community: its activities, and exchanges leaving or entering its current member schools.
    Community(i64),
    /// A region and everything below it (by region path): the activities of its communities, and
    /// exchanges leaving or entering its schools.
    Region(&'a str),
}

impl Within<'_> {
    /// SQL condition on an activity `a` (the bound parameter is `$1`).
    fn activities(self) -> &'static str {
        match self {
            Within::Community(_) => "a.community_id = $1",
            Within::Region(_) => {
                "a.community_id IN (SELECT c.id FROM communities c JOIN regions r ON r.id = c.region_id WHERE r.path LIKE $1)"
            }
        }
    }
    /// SQL condition on an exchange `e` (the bound parameter is `$1`).
    fn exchanges(self) -> &'static str {
        match self {
            Within::Community(_) => {
                "(e.from_school_id IN (SELECT school_id FROM memberships WHERE community_id = $1 AND left_on IS NULL) \
                 OR e.to_school_id IN (SELECT school_id FROM memberships WHERE community_id = $1 AND left_on IS NULL))"
            }
            Within::Region(_) => {
                "(e.from_school_id IN (SELECT s.id FROM schools s JOIN regions r ON r.id = s.region_id WHERE r.path LIKE $1) \
                 OR e.to_school_id IN (SELECT s.id FROM schools s JOIN regions r ON r.id = s.region_id WHERE r.path LIKE $1))"
            }
        }
    }
    /// The arguments `$1` (the community or region path pattern), `$2` (from) and `$3` (to).
    fn args(self, from: &str, to: &str) -> sqlx::any::AnyArguments {
        let mut q = crate::sql::Sql::new("");
        match self {
            Within::Community(id) => q.bind(id),
            Within::Region(p) => q.bind(format!("{p}%")),
        };
        q.bind(from.to_owned()).bind(to.to_owned());
        q.arguments()
    }
}

/// Exchanges of one kind in a period.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct ExchangeKindFigure {
    /// `long_term`, `shadowing`, …
    pub kind: String,
    /// Exchanges (not cancelled) overlapping the period.
    pub exchanges: i64,
    /// Distinct teachers on an exchange under way or finished.
    pub teachers: i64,
    /// Distinct teachers whose exchange is only planned.
    pub teachers_planned: i64,
    /// Hours logged in the period.
    pub hours: f64,
}

/// Exchanges and logged hours in a period.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct ExchangeFigures {
    /// Per kind, in the vocabulary's order of frequency (most exchanges first).
    pub by_kind: Vec<ExchangeKindFigure>,
    /// Distinct teachers exchanged (under way or finished), all kinds.
    pub teachers: i64,
    pub hours: f64,
    /// Hours logged per month (`YYYY-MM`), months without hours left out.
    pub hours_by_month: Vec<MonthValue>,
}

/// A month (`YYYY-MM`) and a value.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct MonthValue {
    pub month: String,
    pub value: f64,
}

/// A community's latest unified test and its overall result.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TestResult {
    pub test_id: i64,
    pub community_id: i64,
    pub community_name: String,
    pub title: String,
    pub subject: String,
    pub grade: String,
    pub held_on: String,
    pub full_marks: f64,
    /// Students with a score.
    pub students: i64,
    pub mean: Option<f64>,
    /// Share scoring at least the pass line.
    pub pass_rate: Option<f64>,
    pub excellent_rate: Option<f64>,
}

impl Store {
    /// Activities (not cancelled) held between `from` and `to` (inclusive, `YYYY-MM-DD`) per month.
    pub async fn activities_by_month(
        &self,
        within: Within<'_>,
        from: &str,
        to: &str,
    ) -> Result<Vec<(String, i64)>> {
        let sql = format!(
            "SELECT SUBSTR(a.held_on, 1, 7) AS m, COUNT(*) FROM activities a WHERE {} AND a.held_on >= $2 AND a.held_on <= $3 \
             AND a.status <> 'cancelled' GROUP BY SUBSTR(a.held_on, 1, 7) ORDER BY m",
            within.activities()
        );
        Ok(
            sqlx::query_as_with(sqlx::AssertSqlSafe(sql), within.args(from, to))
                .fetch_all(&self.pool)
                .await?,
        )
    }

    /// Hours logged between `from` and `to` on exchanges within.
    pub async fn exchange_hours_total(
        &self,
        within: Within<'_>,
        from: &str,
        to: &str,
    ) -> Result<f64> {
        let sql = format!(
            "SELECT COALESCE(SUM(h.hours), 0.0) FROM exchange_hours h JOIN exchanges e ON e.id = h.exchange_id \
             WHERE h.on_date >= $2 AND h.on_date <= $3 AND {}",
            within.exchanges()
        );
        Ok(
            sqlx::query_scalar_with(sqlx::AssertSqlSafe(sql), within.args(from, to))
                .fetch_one(&self.pool)
                .await?,
        )
    }

    /// Exchanges overlapping the period, per kind, with their teachers and the hours logged in it.
    pub async fn exchange_figures(
        &self,
        within: Within<'_>,
        from: &str,
        to: &str,
    ) -> Result<ExchangeFigures> {
        let cond = within.exchanges();
        let period = "e.status <> 'cancelled' AND e.start_on <= $3 AND e.end_on >= $2";
        let sql = format!(
            "SELECT e.kind, COUNT(*), \
             COUNT(DISTINCT CASE WHEN e.status IN ('active', 'finished') THEN e.teacher_id END), \
             COUNT(DISTINCT CASE WHEN e.status = 'planned' THEN e.teacher_id END) \
             FROM exchanges e WHERE {cond} AND {period} GROUP BY e.kind"
        );
        let counts: Vec<(String, i64, i64, i64)> =
            sqlx::query_as_with(sqlx::AssertSqlSafe(sql), within.args(from, to))
                .fetch_all(&self.pool)
                .await?;
        let sql = format!(
            "SELECT e.kind, COALESCE(SUM(h.hours), 0.0) FROM exchange_hours h JOIN exchanges e ON e.id = h.exchange_id \
             WHERE {cond} AND h.on_date >= $2 AND h.on_date <= $3 GROUP BY e.kind"
        );
        let hours: Vec<(String, f64)> =
            sqlx::query_as_with(sqlx::AssertSqlSafe(sql), within.args(from, to))
                .fetch_all(&self.pool)
                .await?;
        let sql = format!(
            "SELECT SUBSTR(h.on_date, 1, 7) AS m, COALESCE(SUM(h.hours), 0.0) FROM exchange_hours h JOIN exchanges e ON e.id = h.exchange_id \
             WHERE {cond} AND h.on_date >= $2 AND h.on_date <= $3 GROUP BY SUBSTR(h.on_date, 1, 7) ORDER BY m"
        );
        let by_month: Vec<(String, f64)> =
            sqlx::query_as_with(sqlx::AssertSqlSafe(sql), within.args(from, to))
                .fetch_all(&self.pool)
                .await?;
        let sql = format!(
            "SELECT COUNT(DISTINCT e.teacher_id) FROM exchanges e WHERE {cond} AND {period} AND e.status IN ('active', 'finished')"
        );
        let teachers: i64 =
            sqlx::query_scalar_with(sqlx::AssertSqlSafe(sql), within.args(from, to))
                .fetch_one(&self.pool)
                .await?;
        let mut by_kind: Vec<ExchangeKindFigure> = counts
            .into_iter()
            .map(
                |(kind, exchanges, teachers, teachers_planned)| ExchangeKindFigure {
                    hours: hours.iter().find(|h| h.0 == kind).map_or(0.0, |h| h.1),
                    kind,
                    exchanges,
                    teachers,
                    teachers_planned,
                },
            )
            .collect();
        // Hours on exchanges outside the period's overlap still count for their kind.
        for (kind, h) in &hours {
            if !by_kind.iter().any(|k| &k.kind == kind) {
                by_kind.push(ExchangeKindFigure {
                    kind: kind.clone(),
                    hours: *h,
                    ..Default::default()
                });
            }
        }
        by_kind.sort_by(|a, b| b.exchanges.cmp(&a.exchanges).then(a.kind.cmp(&b.kind)));
        Ok(ExchangeFigures {
            teachers,
            // Folded from +0.0: an empty float sum is −0.0, shown as "-0".
            hours: hours.iter().fold(0.0, |a, h| a + h.1),
            by_kind,
            hours_by_month: by_month
                .into_iter()
                .map(|(month, value)| MonthValue { month, value })
                .collect(),
        })
    }

    /// Each community's latest unified test held on or before `to` (communities of the region,
    /// by region path), with its overall mean and pass rate. Communities without a test are left out.
    pub async fn latest_test_results(
        &self,
        region_path: &str,
        to: &str,
    ) -> Result<Vec<TestResult>> {
        let tests: Vec<crate::unified_tests::TestRecord> = {
            let mut q = crate::sql::Sql::new(crate::unified_tests::SELECT);
            q.push(" AND r.path LIKE ")
                .bind(format!("{region_path}%"))
                .push(" AND t.held_on <= ")
                .bind(to.to_owned())
                .push(" ORDER BY t.community_id, t.held_on DESC, t.id DESC");
            q.query_as().fetch_all(&self.pool).await?
        };
        let mut out: Vec<TestResult> = vec![];
        for t in tests {
            if out.iter().any(|r| r.community_id == t.community_id) {
                continue;
            }
            let rows = self.test_scores(t.id).await?;
            let report = if rows.is_empty() {
                None
            } else {
                gongjin_scores::analyse(&t.engine(), &rows, &gongjin_scores::Bands::default()).ok()
            };
            let o = report.as_ref().map(|r| &r.overall);
            out.push(TestResult {
                test_id: t.id,
                community_id: t.community_id,
                community_name: t.community_name.clone(),
                title: t.title.clone(),
                subject: t.subject.clone(),
                grade: t.grade.clone(),
                held_on: t.held_on.clone(),
                full_marks: t.full_marks,
                students: o.map_or(0, |o| o.count as i64),
                mean: o.and_then(|o| o.mean),
                pass_rate: o.and_then(|o| o.pass_rate),
                excellent_rate: o.and_then(|o| o.excellent_rate),
            });
        }
        out.sort_by(|a, b| a.community_name.cmp(&b.community_name));
        Ok(out)
    }

    /// School years (by first calendar year) in which the region has activities, exchanges,
    /// unified tests or school conditions, latest first.
    pub async fn dashboard_years(&self, region_id: i64) -> Result<Vec<i32>> {
        let years = self
            .cached(
                &format!("dashboard_years:{region_id}"),
                self.dashboard_years_fresh(region_id),
            )
            .await?;
        Ok(years.as_ref().clone())
    }

    async fn dashboard_years_fresh(&self, region_id: i64) -> Result<Vec<i32>> {
        let path = format!("{}%", self.place_of_region(region_id).await?.region_path);
        // The school year of an ISO date: its calendar year, less one before September.
        let sy = |d: &str| {
            format!(
                "CAST(SUBSTR({d}, 1, 4) AS INTEGER) - CASE WHEN SUBSTR({d}, 6, 2) < '09' THEN 1 ELSE 0 END"
            )
        };
        let sql = format!(
            "SELECT DISTINCT y FROM ( \
             SELECT {} AS y FROM activities a JOIN communities c ON c.id = a.community_id JOIN regions r ON r.id = c.region_id WHERE r.path LIKE $1 \
             UNION SELECT {} AS y FROM exchanges e JOIN schools s ON s.id = e.from_school_id JOIN regions r ON r.id = s.region_id WHERE r.path LIKE $1 \
             UNION SELECT {} AS y FROM unified_tests t JOIN communities c ON c.id = t.community_id JOIN regions r ON r.id = c.region_id WHERE r.path LIKE $1 \
             ) x ORDER BY y DESC",
            sy("a.held_on"),
            sy("e.start_on"),
            sy("t.held_on"),
        );
        let mut years: Vec<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(path)
            .fetch_all(&self.pool)
            .await?;
        for y in self.condition_years(region_id).await? {
            years.push(i64::from(y));
        }
        let mut years: Vec<i32> = years.into_iter().map(|y| y as i32).collect();
        years.sort_unstable_by(|a, b| b.cmp(a));
        years.dedup();
        Ok(years)
    }
}
