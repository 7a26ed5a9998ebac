//! The TUI's runtime: the terminal ([`terminal`]), the main loop that draws the [`app`](crate::app)
//! through [`ui`](crate::ui) and feeds it keys and reports ([`run`]), and the tasks that carry out
//! its effects ([`perform`]). `app` knows nothing of this module or of `ui`.

mod perform;
pub mod run;
pub mod terminal;
