//! One integration test binary (faster to build than one per file), with a module per area.

mod ask_eval;
mod assess_cli;
mod console_json;
mod countries;
mod engine_props;
#[path = "../support/fake_telegram.rs"]
mod fake_telegram;
mod faults;
mod intake;
mod languages;
mod report;
mod restart;
mod storage;
mod support;
mod telegram;
mod transcripts;
mod validator;
mod vignettes;
mod webhook;
