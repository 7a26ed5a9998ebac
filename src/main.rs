use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    orgscope::cli::main().await
}
