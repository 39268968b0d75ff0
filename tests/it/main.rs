//! One integration test binary (faster to build than one per file), with a module per area.

mod ask_eval;
mod assess_cli;
mod buttons;
mod checkin;
mod console_json;
mod contract;
mod countries;
mod early_advice;
mod engine_props;
mod eval_copies;
#[path = "../support/fake_telegram.rs"]
mod fake_telegram;
mod faults;
mod fhir;
mod intake;
mod languages;
mod location;
mod report;
mod restart;
mod review;
mod screens;
mod storage;
mod support;
mod telegram;
mod transcripts;
mod validator;
mod vignettes;
mod webhook;
