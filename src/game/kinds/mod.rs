//! One module per round kind with state of its own per question. A kind decides what happens to
//! its question and which score changes it asks for; [`super::Game`] owns the programme, the
//! scores and undo. (A round scored by hand, [`super::contest::ScoredRound`], has no questions and
//! so no module here.)

pub mod buzz_in;
pub mod multiple_choice;
