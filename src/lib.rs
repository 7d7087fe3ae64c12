#![forbid(unsafe_code)]
pub mod game;
