//! Getting things out of orgscope where the user asked for them: shell exports, the credentials
//! file, the console sign-in URL, the shell integration, and the clipboard.

pub mod clipboard;
pub mod console;
pub mod credentials_file;
pub mod init;
pub mod profiles;
pub mod shell;
