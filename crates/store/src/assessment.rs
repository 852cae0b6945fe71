//! Assessment (考核评价) from the records: a region's standard for a school year (its own, the
//! nearest ancestor's, or the preset), each automatic metric measured from the community's records
//! with the records it counted as evidence, reviewers' manual scores, and the engine's score card.

use crate::audit::{self, Change};
use crate::facts::{Communities, Facts};
use crate::scope::Visible;
use crate::{Actor, Result, Store, StoreError};
use gongjin_evaluation::{
    CommunityInput, ManualScore, MetricKey, MetricValue, ScoreCard, Standard,
};

/// Every community of the facts, assessed bundled, by community id.
pub fn region_bundled_of(facts: &Facts) -> Result<Vec<gongjin_evaluation::BundledResult>> {
    let mut entries: Vec<&crate::communities::CommunityEntry> = facts.communities.iter().collect();
    entries.sort_by_key(|c| c.community.id);
    entries.into_iter().map(|c| bundled_of(facts, c)).collect()
}

/// One community's bundled assessment from the facts.
pub fn bundled_of(
    facts: &Facts,
    c: &crate::communities::CommunityEntry,
) -> Result<gongjin_evaluation::BundledResult> {
    let id = c.community.id;
    let standard = facts.standard(id).ok_or(StoreError::NotFound)?;
    let input = CommunityInput {
        community_id: id,
        name: c.community.name.clone(),
        metrics: facts.metrics(id, &standard.metrics()),
        manual: facts.manual(id),
    };
    gongjin_evaluation::bundled_assessment(standard, &input, &facts.member_progress(id))
        .map_err(|e| StoreError::Config(e.to_string()))
}

impl Store {
    /// The standard that applies to a region in a school year: the region's latest version, else
    /// the nearest ancestor's, else the preset.
    pub async fn standard_for(&self, region_id: i64, year: i32) -> Result<Standard> {
        let path = self.place_of_region(region_id).await?.region_path;
        let row: Option<String> = sqlx::query_scalar(
            "SELECT s.body FROM standards s JOIN regions r ON r.id = s.region_id \
             WHERE s.year = $1 AND $2 LIKE r.path || '%' ORDER BY LENGTH(r.path) DESC, s.version DESC LIMIT 1",
        )
        .bind(i64::from(year))
        .bind(path)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(b) => serde_json::from_str(&b)
                .map_err(|e| StoreError::Config(format!("stored standard: {e}"))),
            None => Ok(Standard::preset(region_id, year)),
        }
    }

    /// Saves a new version of a region's standard for a year (validated by the caller).
    pub async fn save_standard(&self, actor: &Actor, s: &Standard) -> Result<Standard> {
        let path = self.place_of_region(s.region_id).await?.region_path;
        let mut tx = self.begin_write().await?;
        let version: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(version), 0) + 1 FROM standards WHERE region_id = $1 AND year = $2",
        )
        .bind(s.region_id)
        .bind(i64::from(s.year))
        .fetch_one(&mut *tx)
        .await?;
        let mut s = s.clone();
        s.version = version as u32;
        sqlx::query(
            "INSERT INTO standards (region_id, year, version, body, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(s.region_id)
        .bind(i64::from(s.year))
        .bind(version)
        .bind(serde_json::to_string(&s).unwrap_or_default())
        .bind(crate::now())
        .execute(&mut *tx)
        .await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "create",
                entity: "standard",
                entity_id: Some(version),
                region_path: &path,
                summary: format!("{} 学年考核标准 第{}版", s.year, version),
                before: None,
                after: audit::json(&s),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(s)
    }

    /// Records (or replaces) a reviewer's score of a manual indicator.
    pub async fn put_manual_score(
        &self,
        actor: &Actor,
        community_id: i64,
        year: i32,
        m: &ManualScore,
    ) -> Result<()> {
        let path = self.place_of_community(community_id).await?.region_path;
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "DELETE FROM manual_scores WHERE community_id = $1 AND year = $2 AND indicator = $3",
        )
        .bind(community_id)
        .bind(i64::from(year))
        .bind(m.indicator.clone())
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO manual_scores (community_id, year, indicator, score, comment, reviewer, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(community_id)
        .bind(i64::from(year))
        .bind(m.indicator.clone())
        .bind(m.score)
        .bind(m.comment.clone())
        .bind(m.reviewer.clone())
        .bind(crate::now())
        .execute(&mut *tx)
        .await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                action: "update",
                entity: "manual_score",
                entity_id: Some(community_id),
                region_path: &path,
                summary: format!("{} {}：{}", year, m.indicator, m.score),
                before: None,
                after: audit::json(m),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn manual_scores(&self, community_id: i64, year: i32) -> Result<Vec<ManualScore>> {
        let rows: Vec<(String, f64, String, String)> = sqlx::query_as(
            "SELECT indicator, score, comment, reviewer FROM manual_scores WHERE community_id = $1 AND year = $2 ORDER BY indicator",
        )
        .bind(community_id)
        .bind(i64::from(year))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(indicator, score, comment, reviewer)| ManualScore {
                indicator,
                score,
                comment,
                reviewer,
                attachments: vec![],
            })
            .collect())
    }

    /// Measures every automatic metric the standard uses for a community in a school year, each
    /// with the records it counted ([`Facts::metrics`]).
    pub async fn community_metrics(
        &self,
        community_id: i64,
        year: i32,
        wanted: &[MetricKey],
    ) -> Result<Vec<MetricValue>> {
        let facts = self
            .assessment_facts(&Communities::One(community_id), year)
            .await?;
        Ok(facts.metrics(community_id, wanted))
    }

    /// The community's score card for a school year under its region's standard.
    pub async fn assess_community(&self, community_id: i64, year: i32) -> Result<ScoreCard> {
        let facts = self
            .assessment_facts(&Communities::One(community_id), year)
            .await?;
        let entry = facts
            .communities
            .iter()
            .find(|c| c.community.id == community_id)
            .ok_or(StoreError::NotFound)?;
        let standard = facts.standard(community_id).ok_or(StoreError::NotFound)?;
        let input = CommunityInput {
            community_id,
            name: entry.community.name.clone(),
            metrics: facts.metrics(community_id, &standard.metrics()),
            manual: facts.manual(community_id),
        };
        gongjin_evaluation::score_community(standard, &input)
            .map_err(|e| StoreError::Config(e.to_string()))
    }

    /// Each member school's value added (the community's last two comparable tests in the year)
    /// and balance improvement (percentage points since last year), where known.
    pub async fn member_progress(
        &self,
        community_id: i64,
        year: i32,
    ) -> Result<Vec<gongjin_evaluation::MemberProgress>> {
        let facts = self
            .assessment_facts(&Communities::One(community_id), year)
            .await?;
        Ok(facts.member_progress(community_id))
    }

    /// The bundled assessment (捆绑考核) of a community: its score card with the member schools'
    /// progress weighted in as its region's standard says.
    pub async fn bundled(
        &self,
        community_id: i64,
        year: i32,
    ) -> Result<gongjin_evaluation::BundledResult> {
        let facts = self
            .assessment_facts(&Communities::One(community_id), year)
            .await?;
        let entry = facts
            .communities
            .iter()
            .find(|c| c.community.id == community_id)
            .ok_or(StoreError::NotFound)?;
        bundled_of(&facts, entry)
    }

    /// Every community of a region, assessed bundled, by community id: one read of the facts
    /// ([`Store::assessment_facts`]) and pure scoring, whatever the number of communities.
    pub async fn region_bundled(
        &self,
        region_id: i64,
        year: i32,
    ) -> Result<Vec<gongjin_evaluation::BundledResult>> {
        let path = self.place_of_region(region_id).await?.region_path;
        let facts = self.region_facts(&path, year).await?;
        region_bundled_of(&facts)
    }

    /// The region's development index for a school year from the preset formula: coverage,
    /// communities passing the standard, mean bundled score, balance CVs passing, member value
    /// added and the exchange ratio.
    pub async fn development_index(
        &self,
        region_id: i64,
        year: i32,
    ) -> Result<gongjin_evaluation::DevelopmentIndex> {
        let results = self.region_bundled(region_id, year).await?;
        self.development_index_of(region_id, year, &results).await
    }

    /// The development index from a region's bundled results already computed for the year.
    pub async fn development_index_of(
        &self,
        region_id: i64,
        year: i32,
        results: &[gongjin_evaluation::BundledResult],
    ) -> Result<gongjin_evaluation::DevelopmentIndex> {
        let mut figures = gongjin_evaluation::figures_from_bundled(results);
        let schools = self.coverage_schools(region_id).await?;
        let cov = gongjin_domain::coverage::coverage(&schools, &[], crate::today());
        figures.insert(gongjin_evaluation::COVERAGE_RATE.into(), cov.share);
        if self.condition_years(region_id).await?.contains(&year) {
            let b = self.balance(region_id, year).await?;
            let all: Vec<bool> = b
                .stages
                .iter()
                .flat_map(|s| s.indicators.iter().map(|i| i.pass))
                .collect();
            if !all.is_empty() {
                figures.insert(
                    gongjin_evaluation::BALANCE_CV_PASS_SHARE.into(),
                    all.iter().filter(|p| **p).count() as f64 / all.len() as f64,
                );
            }
        }
        let vas: Vec<f64> = results
            .iter()
            .flat_map(|r| r.members.iter().filter_map(|m| m.value_added))
            .collect();
        if !vas.is_empty() {
            figures.insert(
                gongjin_evaluation::MEAN_VALUE_ADDED.into(),
                vas.iter().sum::<f64>() / vas.len() as f64,
            );
        }
        let path = self.place_of_region(region_id).await?.region_path;
        let rules = self.quota_rules(region_id).await?;
        let (qs, qt, qe) = self
            .quota_inputs(&Visible::RegionPrefix(path), year)
            .await?;
        let figs = gongjin_domain::quota::compliance(&qs, &qt, &qe, &rules, "");
        if let Some(f) = figs
            .iter()
            .find(|f| f.rule == "exchanged" && f.denominator > 0)
        {
            figures.insert(gongjin_evaluation::EXCHANGE_RATIO.into(), f.ratio);
        }
        gongjin_evaluation::development_index(
            &gongjin_evaluation::IndexFormula::preset(),
            region_id,
            year,
            &figures,
        )
        .map_err(|e| StoreError::Config(e.to_string()))
    }
}
