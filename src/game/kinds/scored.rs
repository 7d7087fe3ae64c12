//! The round the MC scores by hand ("chào hỏi", "xử lý tình huống", "năng khiếu" until judges
//! score them): no questions; while its title is on stage the MC enters each team's points with
//! a reason (`Command::AdjustScore`), and they count for this round.

use serde::{Deserialize, Serialize};

use super::{RoundKind, RoundState};
use crate::game::contest::{Contest, Problems};

/// Longest description of a scored round, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 500;

/// A round scored by hand: what the teams perform, shown under its title.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoredRound {
    /// Title shown on stage, e.g. "Chào hỏi".
    pub title: String,
    /// What the teams perform, shown under the title (may be empty).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
}

impl RoundKind for ScoredRound {
    const NAME: &'static str = "scored";

    fn title(&self) -> &str {
        &self.title
    }

    fn description(&self) -> &str {
        &self.description
    }

    fn check(&self, at: &str, problems: &mut Problems) {
        if self.description.chars().count() > MAX_DESCRIPTION_CHARS {
            problems.add(
                format!("{at}.description"),
                format!("at most {MAX_DESCRIPTION_CHARS} characters"),
            );
        }
    }

    fn amendable_to(&self, _amended: &Self, _place: &str) -> Result<(), String> {
        // Title and description are wording only.
        Ok(())
    }

    fn new_state(&self, _contest: &Contest) -> RoundState {
        RoundState::Scored
    }
}
