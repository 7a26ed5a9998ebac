//! What switch-role credentials become once they arrive: the exports for the calling shell, a
//! sub-shell, a profile, the clipboard, or the console.

use super::message::{Effect, Job, Purpose};
use super::{App, Exit};
use crate::model::{ProbeOutcome, Reason, TempCredentials, Text};

impl App {
    pub(super) fn switch_role_done(
        &mut self,
        purpose: Purpose,
        account_name: Text,
        result: Result<Box<TempCredentials>, Box<ProbeOutcome>>,
    ) -> Vec<Effect> {
        let credentials = match result {
            Ok(credentials) => {
                self.sessions.insert(credentials.account_id.clone(), credentials.expiration);
                credentials
            }
            Err(outcome) => {
                let reason = outcome.reason.map(|r| r.code()).unwrap_or("unknown");
                let hint = outcome.hint.as_ref().map(Text::to_string).unwrap_or_default();
                self.toast = Some(if outcome.reason == Some(Reason::CallerAccount) {
                    format!("you are signed in to {account_name} already: no role is needed")
                } else {
                    format!("{account_name} is {}: {reason}. {hint}", outcome.status.code())
                });
                return Vec::new();
            }
        };
        match purpose {
            Purpose::Export => self.exit = Some(Exit::Export(credentials)),
            Purpose::Shell => self.exit = Some(Exit::SubShell(credentials)),
            Purpose::Profile => {
                let accounts: Vec<(&str, &Text)> =
                    self.org.iter().flat_map(|org| org.accounts()).map(|a| (a.id.as_str(), &a.name)).collect();
                let name =
                    crate::export::profiles::switch_profile_name(&credentials.account_id, &account_name, &accounts);
                if credentials.demo {
                    self.toast = Some(format!(
                        "the demo wrote nothing: with your organization, w writes the profile {name} into the shared credentials file"
                    ));
                    return Vec::new();
                }
                return vec![Effect::Run(Job::WriteProfile { name, credentials })];
            }
            Purpose::Copy => {
                let settings = &self.settings;
                return match crate::export::shell::render(
                    &credentials,
                    settings.region.as_deref(),
                    settings.export_format,
                ) {
                    Ok(text) => vec![Effect::copy_secret(text, format!("the exports for {account_name}"))],
                    Err(err) => {
                        self.toast = Some(err.to_string());
                        Vec::new()
                    }
                };
            }
            Purpose::Console | Purpose::CopyConsole => {
                let console = &self.settings.console;
                let region = console.region.as_deref().or(self.settings.region.as_deref());
                let partition = crate::export::console::partition_of(&credentials.role_arn);
                let destination =
                    match crate::export::console::destination_url(partition, console.destination.as_deref(), region) {
                        Ok(destination) => destination,
                        Err(err) => {
                            self.toast = Some(err.to_string());
                            return Vec::new();
                        }
                    };
                return vec![Effect::Run(Job::ConsoleUrl {
                    credentials,
                    destination,
                    copy: purpose == Purpose::CopyConsole,
                    browser: console.browser.clone(),
                    account: account_name.raw().to_string(),
                })];
            }
        }
        Vec::new()
    }
}
