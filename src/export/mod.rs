//! Getting things out of orgscope where the user asked for them: shell exports, the credentials
//! file, the console sign-in URL and the browser it opens in, the shell integration, and the
//! clipboard.

pub mod browser;
pub mod clipboard;
pub mod console;
pub mod credentials_file;
pub mod handoff;
pub mod init;
pub mod profiles;
pub mod shell;
