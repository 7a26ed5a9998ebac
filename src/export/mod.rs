//! Getting things out of orgscope where the user asked for them: the clipboard (and, with the
//! switch-role work, shell exports, credentials files and console URLs).

pub mod clipboard;
