//! clotcheck: helps a person decide how urgently a leg cramp or a swollen calf needs a doctor.
//!
//! - [`core`]: the assessment core and conversation engine, pure and I/O-free.
//! - [`data`]: loads and validates the data in `dialogs/` (embedded or from a directory).
//! - [`console`]: the terminal front end, human and JSON-lines.

pub mod console;
pub mod core;
pub mod data;
pub mod storage;
pub mod telegram;
