//! Results for the organisers: per-round points and the overall ranking, as JSON and as a CSV
//! that Excel opens with Vietnamese text intact.

use serde::Serialize;

use crate::game::Game;

/// The results of a contest, as far as it has been played.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Results {
    /// Contest title.
    pub title: String,
    /// Titles of the rounds, in programme order.
    pub rounds: Vec<String>,
    /// Teams from first to last.
    pub ranking: Vec<RankedTeam>,
}

/// One team's line in the results.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RankedTeam {
    /// 1 for the best; equal totals share a rank (1, 1, 3).
    pub rank: usize,
    /// Team id.
    pub team: String,
    /// Display name.
    pub name: String,
    /// Points in each round, like `rounds`.
    pub round_points: Vec<i64>,
    /// Total.
    pub total: i64,
}

impl Results {
    /// The results of `game` now.
    pub fn of(game: &Game) -> Results {
        let contest = game.contest();
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
                    .map(|round| round.get(i).copied().unwrap_or(0))
                    .collect(),
                total: game.scores().get(i).copied().unwrap_or(0),
            })
            .collect();
        // Stable sort: equal totals keep the contest's team order.
        ranking.sort_by_key(|team| std::cmp::Reverse(team.total));
        for i in 0..ranking.len() {
            ranking[i].rank = if i > 0 && ranking[i].total == ranking[i - 1].total {
                ranking[i - 1].rank
            } else {
                i + 1
            };
        }
        Results {
            title: contest.title.clone(),
            rounds: contest
                .rounds
                .iter()
                .map(|r| r.title().to_string())
                .collect(),
            ranking,
        }
    }

    /// CSV with a UTF-8 byte-order mark (so Excel reads Vietnamese correctly) and bilingual
    /// headers.
    pub fn to_csv(&self) -> Vec<u8> {
        let mut out = "\u{feff}".as_bytes().to_vec();
        let mut writer = csv::Writer::from_writer(&mut out);
        let mut header = vec!["Hạng (Rank)".to_string(), "Đội thi (Team)".to_string()];
        header.extend(self.rounds.iter().cloned());
        header.push("Tổng điểm (Total)".to_string());
        // Writing to a Vec cannot fail; a failure would only truncate the download.
        let _ = writer.write_record(&header);
        for team in &self.ranking {
            let mut row = vec![team.rank.to_string(), team.name.clone()];
            row.extend(team.round_points.iter().map(i64::to_string));
            row.push(team.total.to_string());
            let _ = writer.write_record(&row);
        }
        let _ = writer.flush();
        drop(writer);
        out
    }
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
                    delta: *p,
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
        let ranks: Vec<(usize, i64)> = results.ranking.iter().map(|t| (t.rank, t.total)).collect();
        assert_eq!(ranks, vec![(1, 30), (2, 10), (2, 10), (4, 5)]);
        assert_eq!(results.ranking[0].round_points, vec![30]);
    }

    #[test]
    fn csv_opens_in_excel_with_vietnamese_and_quotes_intact() {
        let csv = Results::of(&adjusted(&[0, 20, 0, 0])).to_csv();
        assert!(csv.starts_with(&[0xEF, 0xBB, 0xBF]), "UTF-8 BOM first");
        let text = String::from_utf8(csv).expect("UTF-8");
        let mut lines = text.trim_start_matches('\u{feff}').lines();
        assert_eq!(
            lines.next(),
            Some("Hạng (Rank),Đội thi (Team),Giành quyền trả lời,Tổng điểm (Total)")
        );
        assert_eq!(lines.next(), Some(r#"1,"Đội ""Nhơn Hải"", xã",20,20"#));
    }
}
