//! Talent scan job matches: how well each job scan fits a talent scan.
//!
//! Shapes as documented at
//! <https://docs.kazi.co/docs/api/api-reference/tagging/matches/talent-scan-job-matches>.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use vendor_core::kit::lenient;

use super::expectations::ExpectationKind;
use super::ids::{ExpectationId, JobScanId, TalentScanId};

/// One page of job matches for a talent scan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TalentScanMatches {
    /// The talent scan matched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub talent_scan: Option<TalentScanSummary>,
    /// The job scans on this page, in the order asked for.
    #[serde(default)]
    pub matches: Vec<JobMatch>,
    /// Where this page sits in the whole list.
    #[serde(default)]
    pub pagination: Pagination,
    /// Fields this crate does not model, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The talent scan a match list is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TalentScanSummary {
    /// Its id.
    pub id: TalentScanId,
    /// The candidate's first name.
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub first_name: Option<String>,
    /// The candidate's last name.
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub last_name: Option<String>,
}

/// How well one job scan matches the talent scan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct JobMatch {
    /// The job scan.
    pub job_scan: JobScanSummary,
    /// The overall match score (`match`).
    #[serde(
        rename = "match",
        default,
        deserialize_with = "lenient::opt_f64",
        skip_serializing_if = "Option::is_none"
    )]
    pub match_score: Option<f64>,
    /// The team roles' part of the score.
    #[serde(
        default,
        deserialize_with = "lenient::opt_f64",
        skip_serializing_if = "Option::is_none"
    )]
    pub subtotal_team_roles: Option<f64>,
    /// The work values' part of the score.
    #[serde(
        default,
        deserialize_with = "lenient::opt_f64",
        skip_serializing_if = "Option::is_none"
    )]
    pub subtotal_work_values: Option<f64>,
    /// The score of each expectation.
    #[serde(default)]
    pub expectations: Vec<ExpectationMatch>,
}

/// The job scan of a match.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct JobScanSummary {
    /// Its id.
    pub id: JobScanId,
    /// The job title.
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub title: Option<String>,
    /// The employer.
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub employer: Option<String>,
}

/// How one expectation contributes to a match.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ExpectationMatch {
    /// The expectation.
    pub expectation_id: ExpectationId,
    /// Its name.
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub expectation_name: Option<String>,
    /// The match on this expectation (`match`).
    #[serde(
        rename = "match",
        default,
        deserialize_with = "lenient::opt_f64",
        skip_serializing_if = "Option::is_none"
    )]
    pub match_score: Option<f64>,
    /// The gap between the talent's and the job's scores.
    #[serde(
        default,
        deserialize_with = "lenient::opt_f64",
        skip_serializing_if = "Option::is_none"
    )]
    pub delta: Option<f64>,
    /// The id of the expectation's kind.
    #[serde(
        default,
        deserialize_with = "lenient::opt_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub expectation_type_id: Option<u64>,
    /// The name of the expectation's kind.
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub expectation_type_name: Option<String>,
}

impl ExpectationMatch {
    /// Work value or team role.
    pub fn kind(&self) -> ExpectationKind {
        ExpectationKind::from_parts(
            self.expectation_type_id,
            self.expectation_type_name.as_deref(),
        )
    }
}

/// Kazi's page counters (pages count from 1).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Pagination {
    /// This page's number.
    #[serde(
        default,
        deserialize_with = "lenient::opt_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub current_page: Option<u64>,
    /// How many pages there are.
    #[serde(
        default,
        deserialize_with = "lenient::opt_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub amount_of_pages: Option<u64>,
    /// Matches per page.
    #[serde(
        default,
        deserialize_with = "lenient::opt_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub page_size: Option<u64>,
    /// Matches in all pages.
    #[serde(
        default,
        deserialize_with = "lenient::opt_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub total_amount: Option<u64>,
    /// The position of this page's first match in the whole list (from 1).
    #[serde(
        default,
        deserialize_with = "lenient::opt_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub first_row_on_page: Option<u64>,
    /// The position of this page's last match in the whole list.
    #[serde(
        default,
        deserialize_with = "lenient::opt_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub last_row_on_page: Option<u64>,
}

impl Pagination {
    /// Whether pages follow this one (`false` when the counters are missing).
    pub fn has_next(&self) -> bool {
        matches!((self.current_page, self.amount_of_pages), (Some(c), Some(t)) if c < t)
    }
}

/// What job matches can be sorted by; pick a direction with
/// [`ascending`](Self::ascending) or [`descending`](Self::descending).
///
/// ```
/// use kazi_tagging::{MatchOrder, MatchSort};
///
/// assert_eq!(MatchSort::Match.descending().to_string(), "-match");
/// assert_eq!(MatchSort::WorkValue.ascending().to_string(), "work-value");
/// assert_eq!(MatchOrder::default(), MatchSort::Match.descending());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MatchSort {
    /// The overall match score (`match`).
    Match,
    /// The work values subtotal (`work-value`).
    WorkValue,
    /// The team roles subtotal (`team-role`).
    TeamRole,
    /// When the job scan was created (`created`).
    Created,
}

impl MatchSort {
    /// Every sort key.
    pub const ALL: [MatchSort; 4] = [
        MatchSort::Match,
        MatchSort::WorkValue,
        MatchSort::TeamRole,
        MatchSort::Created,
    ];

    /// The key as Kazi spells it (`work-value`).
    pub fn as_str(self) -> &'static str {
        match self {
            MatchSort::Match => "match",
            MatchSort::WorkValue => "work-value",
            MatchSort::TeamRole => "team-role",
            MatchSort::Created => "created",
        }
    }

    /// Lowest first.
    pub fn ascending(self) -> MatchOrder {
        MatchOrder {
            key: self,
            descending: false,
        }
    }

    /// Highest first (a `-` before the key).
    pub fn descending(self) -> MatchOrder {
        MatchOrder {
            key: self,
            descending: true,
        }
    }
}

impl fmt::Display for MatchSort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A sort key and a direction: the `sort` parameter of the job matches. Kazi's
/// default, and [`MatchOrder::default`], is `-match` (best match first).
///
/// Parses from Kazi's spelling (`-work-value`, `created`, `+created`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MatchOrder {
    key: MatchSort,
    descending: bool,
}

impl MatchOrder {
    /// The key sorted by.
    pub fn key(self) -> MatchSort {
        self.key
    }

    /// Whether highest comes first.
    pub fn is_descending(self) -> bool {
        self.descending
    }
}

impl Default for MatchOrder {
    fn default() -> Self {
        MatchSort::Match.descending()
    }
}

/// A bare key sorts ascending, as it does on the wire.
impl From<MatchSort> for MatchOrder {
    fn from(key: MatchSort) -> Self {
        key.ascending()
    }
}

impl fmt::Display for MatchOrder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.descending {
            f.write_str("-")?;
        }
        f.write_str(self.key.as_str())
    }
}

impl FromStr for MatchOrder {
    type Err = crate::Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let (descending, key) = match s.strip_prefix('-') {
            Some(key) => (true, key),
            None => (false, s.strip_prefix('+').unwrap_or(s)),
        };
        MatchSort::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(key))
            .map(|key| MatchOrder { key, descending })
            .ok_or_else(|| crate::Error::invalid("sort", format!(
                    "`{s}` is not one of match, work-value, team-role, created (prefix `-` for descending)"
                )))
    }
}

impl Serialize for MatchOrder {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_print_and_parse() {
        for key in MatchSort::ALL {
            for order in [key.ascending(), key.descending()] {
                assert_eq!(order.to_string().parse::<MatchOrder>().unwrap(), order);
            }
        }
        assert_eq!(
            "-team-role".parse::<MatchOrder>().unwrap(),
            MatchSort::TeamRole.descending()
        );
        assert_eq!(
            "+created".parse::<MatchOrder>().unwrap(),
            MatchSort::Created.ascending()
        );
        assert_eq!(MatchOrder::from(MatchSort::Created).to_string(), "created");
        assert!("-salary".parse::<MatchOrder>().is_err());
    }

    #[test]
    fn has_next() {
        let p = |c, t| Pagination {
            current_page: c,
            amount_of_pages: t,
            ..Pagination::default()
        };
        assert!(p(Some(1), Some(3)).has_next());
        assert!(!p(Some(3), Some(3)).has_next());
        assert!(!p(None, Some(3)).has_next());
    }
}
