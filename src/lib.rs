//! orgscope: the AWS Organizations tree, who can get in where, and why Identity Center
//! assignments failed — in a terminal UI and a scriptable CLI.
//!
//! The flow runs one way: [`cli`] builds a [`source::Source`], whose data lands in [`model`]
//! types; [`probe`] tries every account and [`remedy`] explains what it finds; [`app`] holds the TUI's state and turns keys into actions and effects; [`ui`] draws it.

pub mod app;
pub mod cache;
pub mod cli;
pub mod config;
pub mod diagram;
pub mod diff;
pub mod duration;
pub mod export;
pub mod files;
pub mod logging;
pub mod model;
pub mod policy;
pub mod probe;
pub mod remedy;
pub mod similar;
pub mod source;
pub mod text;
pub mod theme;
pub mod tui;
pub mod ui;
