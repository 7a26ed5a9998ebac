//! Opening a console sign-in URL: the command the user chose (`--browser CMD`, config `browser`;
//! `%u` stands for the URL), else `$BROWSER` (`%s` likewise), else the system's opener; or
//! `firefox-container`, which opens the URL in a Firefox container named after the account. A
//! command is run without a shell, the URL one argument, and the URL (a secret for 15 minutes:
//! it signs in) is never logged.

use std::process::{Command, Stdio};

/// How the browser is chosen.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Browser {
    /// A command line; `%u` is replaced by the URL, or the URL comes last.
    Command(String),
    /// `firefox` with the container extension's `ext+container:` URL.
    FirefoxContainer,
    /// `$BROWSER`'s first entry; `%s` is replaced by the URL, or the URL comes last.
    Env(String),
    /// The system's opener (xdg-open, open, start).
    #[default]
    System,
}

impl Browser {
    /// `choice` is `--browser` or the config's `browser`; `env` is `$BROWSER`.
    pub fn choose(choice: Option<&str>, env: Option<String>) -> Browser {
        match choice.map(str::trim).filter(|c| !c.is_empty()) {
            Some("firefox-container") => Browser::FirefoxContainer,
            Some(command) => Browser::Command(command.to_string()),
            None => match env.as_deref().and_then(|e| e.split(':').map(str::trim).find(|c| !c.is_empty())) {
                Some(command) => Browser::Env(command.to_string()),
                None => Browser::System,
            },
        }
    }

    /// Opens `url` for the account `account` (its name: the container's).
    pub fn open(&self, url: &str, account: &str) -> Result<(), String> {
        let argv = match self {
            Browser::Command(command) => argv(command, "%u", url)?,
            Browser::Env(command) => argv(command, "%s", url)?,
            Browser::FirefoxContainer => vec!["firefox".to_string(), container_url(account, url)],
            Browser::System => {
                return open::that_detached(url).map_err(|err| format!("could not open a browser ({err})"));
            }
        };
        let (program, args) = argv.split_first().ok_or("the browser command is empty")?;
        Command::new(program)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map(|_| ())
            .map_err(|err| format!("could not run the browser {program:?} ({err})"))
    }
}

/// `command`'s words (split the way a shell would, but never run by one) with `placeholder` in
/// any word replaced by `url`, or `url` appended when no word holds it.
pub fn argv(command: &str, placeholder: &str, url: &str) -> Result<Vec<String>, String> {
    let words = shell_words::split(command).map_err(|err| format!("the browser command {command:?}: {err}"))?;
    if words.is_empty() {
        return Err("the browser command is empty".to_string());
    }
    let mut placed = false;
    let mut argv: Vec<String> = words
        .into_iter()
        .map(|word| {
            if word.contains(placeholder) {
                placed = true;
                word.replace(placeholder, url)
            } else {
                word
            }
        })
        .collect();
    if !placed {
        argv.push(url.to_string());
    }
    Ok(argv)
}

const COLORS: [&str; 8] = ["blue", "turquoise", "green", "yellow", "orange", "red", "pink", "purple"];
const ICONS: [&str; 12] = [
    "fingerprint",
    "briefcase",
    "dollar",
    "cart",
    "circle",
    "gift",
    "vacation",
    "food",
    "fruit",
    "pet",
    "tree",
    "chill",
];

/// FNV-1a: a hash that is the same in every run and on every machine.
fn stable_hash(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3))
}

/// The container extension's URL: a container named after the account (its visible form), with a
/// colour and an icon that stay the same for that account, opening `url`.
pub fn container_url(account: &str, url: &str) -> String {
    let name = crate::text::visible(account);
    let hash = stable_hash(&name);
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query.append_pair("name", &name);
    query.append_pair("color", COLORS[(hash % COLORS.len() as u64) as usize]);
    query.append_pair("icon", ICONS[((hash >> 8) % ICONS.len() as u64) as usize]);
    query.append_pair("url", url);
    format!("ext+container:{}", query.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str =
        "https://signin.aws.amazon.com/federation?Action=login&x=$(id);rm -rf ~ 'q' \"d\"&SigninToken=a b";

    #[test]
    fn the_url_is_one_argument_wherever_the_placeholder_stands() {
        assert_eq!(
            argv("firefox -P work %u", "%u", URL),
            Ok(vec!["firefox".into(), "-P".into(), "work".into(), URL.into()])
        );
        assert_eq!(argv("'/opt/My Browser/run' --new-window", "%u", URL).map(|a| a.len()), Ok(3));
        assert_eq!(argv("chromium --app=%u", "%u", URL).map(|a| a[1].clone()), Ok(format!("--app={URL}")));
        assert!(argv("", "%u", URL).is_err());
        assert!(argv("firefox 'unclosed", "%u", URL).is_err());
    }

    #[test]
    fn the_choice_follows_flag_config_then_browser_then_system() {
        assert_eq!(Browser::choose(Some("firefox-container"), Some("lynx".into())), Browser::FirefoxContainer);
        assert_eq!(Browser::choose(Some("firefox %u"), Some("lynx".into())), Browser::Command("firefox %u".into()));
        assert_eq!(Browser::choose(None, Some(":w3m %s:lynx".into())), Browser::Env("w3m %s".into()));
        assert_eq!(Browser::choose(Some("  "), None), Browser::System);
    }

    #[test]
    fn the_container_url_names_the_account_and_keeps_its_colours() {
        let one = container_url("prod \u{1b}]0;x\u{7}", "https://console.aws.amazon.com/");
        assert!(one.starts_with("ext+container:name=prod+%5Ce%5D0%3Bx%5Cx07&color="), "{one}");
        assert!(one.ends_with("&url=https%3A%2F%2Fconsole.aws.amazon.com%2F"), "{one}");
        assert_eq!(one, container_url("prod \u{1b}]0;x\u{7}", "https://console.aws.amazon.com/"), "stable");
        let colours: std::collections::HashSet<String> = (0..40)
            .map(|i| container_url(&format!("account-{i}"), "u").split("color=").nth(1).unwrap_or_default().to_string())
            .collect();
        assert!(colours.len() > 4, "accounts spread over the colours");
    }
}
