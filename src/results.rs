//! Results for the organisers: per-round points and the overall ranking, as JSON and as a CSV
//! that Excel opens with Vietnamese text intact.

use serde::Serialize;

use crate::game::{Game, Points, TeamId};

/// The results of a contest, as far as it has been played.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Results {
    /// Contest title.
    pub title: String,
    /// Titles of the rounds, in programme order.
    pub rounds: Vec<String>,
    /// Teams from first to last.
    pub ranking: Vec<RankedTeam>,
    /// How ties were broken with tie-breaker questions: those of the totals first, then each
    /// round's.
    pub tie_breaks: Vec<TieBreakResult>,
}

/// A tie broken by tie-breaker questions.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TieBreakResult {
    /// The ranking that was tied: a round's title, or `null` for the totals.
    pub round: Option<String>,
    /// The tied teams' ids in the places the tie-breaker gave them (best first); while it is
    /// still being broken, the teams placed so far.
    pub order: Vec<String>,
    /// Every tied team's id.
    pub teams: Vec<String>,
    /// Tie-breaker questions asked.
    pub questions: usize,
}

/// One team's line in the results.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RankedTeam {
    /// 1 for the best; equal totals share a rank (1, 1, 3) unless a tie-breaker decided.
    pub rank: usize,
    /// Team id.
    pub team: String,
    /// Display name.
    pub name: String,
    /// Points in each round, like `rounds`.
    pub round_points: Vec<Points>,
    /// The team's place in each round, like `rounds` (prizes are given per round too); equal
    /// points share a place.
    pub round_ranks: Vec<usize>,
    /// Total.
    pub total: Points,
}

impl Results {
    /// The results of `game` now.
    pub fn of(game: &Game) -> Results {
        let contest = game.contest();
        let round_ranks: Vec<Vec<usize>> = (0..contest.rounds.len())
            .map(|r| game.ranking(Some(r)))
            .collect();
        let mut ranking: Vec<RankedTeam> = contest
            .teams
            .iter()
            .enumerate()
            .map(|(i, team)| RankedTeam {
                rank: 0,
                team: team.id.clone(),
                name: team.name.clone(),
                round_points: game
                    .round_scores()
                    .iter()
                    .map(|round| round.get(i).copied().unwrap_or_default())
                    .collect(),
                round_ranks: round_ranks
                    .iter()
                    .map(|round| round.get(i).copied().unwrap_or(0))
                    .collect(),
                total: game.scores().get(i).copied().unwrap_or_default(),
            })
            .collect();
        for (team, rank) in ranking.iter_mut().zip(game.ranking(None)) {
            team.rank = rank;
        }
        // Stable sort: equal totals keep the contest's team order.
        ranking.sort_by_key(|team| team.rank);
        Results {
            title: contest.title.clone(),
            rounds: contest
                .rounds
                .iter()
                .map(|r| r.title().to_string())
                .collect(),
            ranking,
            tie_breaks: tie_breaks(game),
        }
    }

    /// What the tie-breaker decided for `team`, as a CSV note in both languages.
    fn tie_break_note(&self, team: &str) -> String {
        self.tie_breaks
            .iter()
            .filter(|tie| tie.teams.iter().any(|t| t == team))
            .filter_map(|tie| {
                let place = tie.order.iter().position(|t| t == team)? + 1;
                let ranking = tie.round.as_deref().unwrap_or("Tổng điểm (Total)");
                let of = tie.teams.len();
                Some(format!(
                    "Câu hỏi phụ, {ranking}: thứ {place}/{of} (tie-breaker: {place} of {of})"
                ))
            })
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// CSV with a UTF-8 byte-order mark (so Excel reads Vietnamese correctly) and bilingual
    /// headers.
    pub fn to_csv(&self) -> Vec<u8> {
        let mut out = "\u{feff}".as_bytes().to_vec();
        let mut writer = csv::Writer::from_writer(&mut out);
        let mut header = vec!["Hạng (Rank)".to_string(), "Đội thi (Team)".to_string()];
        for round in &self.rounds {
            header.push(round.clone());
            header.push(format!("{round} — Hạng (Rank)"));
        }
        header.push("Tổng điểm (Total)".to_string());
        // Only contests that needed a tie-breaker get its column.
        let ties = !self.tie_breaks.is_empty();
        if ties {
            header.push("Câu hỏi phụ (Tie-breaker)".to_string());
        }
        // Writing to a Vec cannot fail; a failure would only truncate the download.
        let _ = writer.write_record(&header);
        for team in &self.ranking {
            let mut row = vec![team.rank.to_string(), team.name.clone()];
            for (points, rank) in team.round_points.iter().zip(&team.round_ranks) {
                row.push(points.to_string());
                row.push(rank.to_string());
            }
            row.push(team.total.to_string());
            if ties {
                row.push(self.tie_break_note(&team.team));
            }
            let _ = writer.write_record(&row);
        }
        let _ = writer.flush();
        drop(writer);
        out
    }
}

/// Every tie broken (or being broken), for the record.
fn tie_breaks(game: &Game) -> Vec<TieBreakResult> {
    let contest = game.contest();
    let id = |team: &TeamId| contest.teams[team.0].id.clone();
    std::iter::once(None)
        .chain((0..contest.rounds.len()).map(Some))
        .flat_map(|round| game.tie_breaks(round))
        .map(|tie| TieBreakResult {
            round: tie.round.map(|r| contest.rounds[r].title().to_string()),
            order: tie.order.iter().map(id).collect(),
            teams: tie.teams.iter().map(id).collect(),
            questions: tie.questions.len(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::game::{Command, Contest, TeamId, Time};

    fn adjusted(points: &[i64]) -> Game {
        let mut contest = Contest::demo();
        contest.teams[1].name = "Đội \"Nhơn Hải\", xã".into();
        let mut game = Game::new(contest);
        for (i, p) in points.iter().enumerate() {
            if *p != 0 {
                let command = Command::AdjustScore {
                    team: TeamId(i),
                    delta: Points::whole(*p),
                    reason: "test".into(),
                };
                game.apply(&command, Time(1)).expect("adjust");
            }
        }
        game
    }

    #[test]
    fn equal_totals_share_a_rank() {
        let results = Results::of(&adjusted(&[10, 30, 10, 5]));
        let ranks: Vec<(usize, i64)> = results
            .ranking
            .iter()
            .map(|t| (t.rank, t.total.hundredths() / 100))
            .collect();
        assert_eq!(ranks, vec![(1, 30), (2, 10), (2, 10), (4, 5)]);
        assert_eq!(results.ranking[0].round_points, vec![30]);
        assert_eq!(results.ranking[1].round_ranks, vec![2]);
    }

    #[test]
    fn each_round_has_its_own_places_for_its_prizes() {
        let contest = crate::game::ContestBuilder::new("Hội thi")
            .teams(3, |i| (format!("t{i}"), format!("Đội {i}")))
            .buzz_in("Chào hỏi", Default::default(), 1, |_| {
                crate::game::Question::new("?", "!")
            })
            .buzz_in("Kiến thức", Default::default(), 1, |_| {
                crate::game::Question::new("?", "!")
            })
            .build();
        let mut game = Game::new(contest);
        let adjust = |game: &mut Game, team: usize, delta: i64| {
            let command = Command::AdjustScore {
                team: TeamId(team),
                delta: Points::whole(delta),
                reason: "giám khảo".into(),
            };
            game.apply(&command, Time(1)).expect("adjust");
        };
        adjust(&mut game, 0, 30);
        adjust(&mut game, 1, 20);
        game.apply(&Command::StartRound { round: 1 }, Time(2))
            .expect("start");
        adjust(&mut game, 1, 15);
        adjust(&mut game, 2, 40);
        let results = Results::of(&game);
        let lines: Vec<(&str, Vec<usize>, usize)> = results
            .ranking
            .iter()
            .map(|t| (t.team.as_str(), t.round_ranks.clone(), t.rank))
            .collect();
        assert_eq!(
            lines,
            vec![
                ("t2", vec![3, 1], 1),
                ("t1", vec![2, 2], 2),
                ("t0", vec![1, 3], 3)
            ]
        );
    }

    #[test]
    fn csv_opens_in_excel_with_vietnamese_and_quotes_intact() {
        let csv = Results::of(&adjusted(&[0, 20, 0, 0])).to_csv();
        assert!(csv.starts_with(&[0xEF, 0xBB, 0xBF]), "UTF-8 BOM first");
        let text = String::from_utf8(csv).expect("UTF-8");
        let mut lines = text.trim_start_matches('\u{feff}').lines();
        assert_eq!(
            lines.next(),
            Some(
                "Hạng (Rank),Đội thi (Team),Giành quyền trả lời,\
                 Giành quyền trả lời — Hạng (Rank),Tổng điểm (Total)"
            )
        );
        assert_eq!(lines.next(), Some(r#"1,"Đội ""Nhơn Hải"", xã",20,1,20"#));
    }
}
