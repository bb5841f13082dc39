//! Kazi's OAuth scopes, carried as `roles` in application tokens.

use std::borrow::Cow;

/// A Kazi scope: each endpoint needs one, and a token lacking it gets a 401.
///
/// Source: <https://docs.kazi.co/docs/api/security/oauth2/scopes>. Scopes this crate
/// does not know are kept as [`Scope::Unknown`].
///
/// ```
/// use kazi_tagging::Scope;
///
/// assert_eq!(Scope::ReadExpectations.as_str(), "read:expectations");
/// assert_eq!(Scope::from("write:talentscans"), Scope::WriteTalentScans);
/// assert_eq!(Scope::from("read:everything"), Scope::Unknown("read:everything".into()));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Scope {
    /// `read:answers`
    ReadAnswers,
    /// `read:clusters`
    ReadClusters,
    /// `read:domains`
    ReadDomains,
    /// `read:expectations`
    ReadExpectations,
    /// `read:jobscans`
    ReadJobScans,
    /// `read:questions`
    ReadQuestions,
    /// `read:scores`
    ReadScores,
    /// `read:talentscans`
    ReadTalentScans,
    /// `write:answers`
    WriteAnswers,
    /// `write:expectations`
    WriteExpectations,
    /// `write:jobscans`
    WriteJobScans,
    /// `write:talentscans`
    WriteTalentScans,
    /// A scope this crate does not know, as Kazi spelled it.
    Unknown(String),
}

impl Scope {
    /// Every scope Kazi documents.
    pub const KNOWN: [Scope; 12] = [
        Scope::ReadAnswers,
        Scope::ReadClusters,
        Scope::ReadDomains,
        Scope::ReadExpectations,
        Scope::ReadJobScans,
        Scope::ReadQuestions,
        Scope::ReadScores,
        Scope::ReadTalentScans,
        Scope::WriteAnswers,
        Scope::WriteExpectations,
        Scope::WriteJobScans,
        Scope::WriteTalentScans,
    ];

    /// The scope as Kazi spells it (`read:expectations`).
    pub fn as_str(&self) -> &str {
        match self {
            Scope::Unknown(s) => s,
            known => known.known_str().unwrap_or_default(),
        }
    }

    fn known_str(&self) -> Option<&'static str> {
        Some(match self {
            Scope::ReadAnswers => "read:answers",
            Scope::ReadClusters => "read:clusters",
            Scope::ReadDomains => "read:domains",
            Scope::ReadExpectations => "read:expectations",
            Scope::ReadJobScans => "read:jobscans",
            Scope::ReadQuestions => "read:questions",
            Scope::ReadScores => "read:scores",
            Scope::ReadTalentScans => "read:talentscans",
            Scope::WriteAnswers => "write:answers",
            Scope::WriteExpectations => "write:expectations",
            Scope::WriteJobScans => "write:jobscans",
            Scope::WriteTalentScans => "write:talentscans",
            Scope::Unknown(_) => return None,
        })
    }

    /// Whether this is one of the scopes Kazi documents.
    pub fn is_known(&self) -> bool {
        self.known_str().is_some()
    }

    /// The Kazi scopes a token grants, read from its (unverified) claims: for
    /// diagnosis, such as explaining which scopes an application still lacks. Empty
    /// for an opaque token.
    pub fn granted_by(token: &oauth_core::AccessToken) -> Vec<Scope> {
        token
            .claims()
            .map(|c| c.granted().into_iter().map(Scope::from).collect())
            .unwrap_or_default()
    }
}

impl From<&str> for Scope {
    fn from(s: &str) -> Self {
        Scope::KNOWN
            .into_iter()
            .find(|k| k.as_str() == s)
            .unwrap_or_else(|| Scope::Unknown(s.to_owned()))
    }
}

vendor_core::text_enum_impls!(Scope);

/// Lets a scope be declared as an endpoint's required role without allocating.
impl From<Scope> for Cow<'static, str> {
    fn from(scope: Scope) -> Self {
        match scope {
            Scope::Unknown(s) => Cow::Owned(s),
            known => Cow::Borrowed(known.known_str().unwrap_or_default()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_scopes_round_trip() {
        for scope in Scope::KNOWN {
            assert!(scope.is_known());
            assert_eq!(Scope::from(scope.as_str()), scope);
            assert_eq!(Scope::from(scope.to_string()), scope);
            assert_eq!(Cow::from(scope.clone()), scope.as_str());
        }
        assert_eq!(Scope::WriteJobScans.to_string(), "write:jobscans");
    }

    #[test]
    fn unknown_scopes_are_kept() {
        let scope = Scope::from("read:reports");
        assert_eq!(scope, Scope::Unknown("read:reports".to_owned()));
        assert_eq!(scope.as_str(), "read:reports");
        assert!(!scope.is_known());
        assert_eq!(Cow::from(scope), "read:reports");
        let parsed: Scope = serde_json::from_str(r#""read:scores""#).unwrap();
        assert_eq!(parsed, Scope::ReadScores);
    }
}
