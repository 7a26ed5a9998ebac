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

    /// Opens `url`, which is no secret (a verification page), for `account` (the container's name).
    pub fn open(&self, url: &str, account: &str) -> Result<(), String> {
        let argv = match self {
            Browser::Command(command) => argv(command, "%u", url)?,
            Browser::Env(command) => argv(command, "%s", url)?,
            Browser::FirefoxContainer => vec!["firefox".to_string(), container_url(account, url)],
            Browser::System => {
                // Over SSH or on a server, xdg-open starts and then fails out of sight.
                #[cfg(all(unix, not(target_os = "macos")))]
                if ["DISPLAY", "WAYLAND_DISPLAY"].iter().all(|v| std::env::var_os(v).is_none_or(|d| d.is_empty())) {
                    return Err("there is no display to open a browser on (DISPLAY is not set)".to_string());
                }
                // The system's openers in turn (xdg-open, gio, …): the first that starts.
                let mut last = "no program opens URLs here".to_string();
                for command in open::commands(url) {
                    let argv: Vec<String> = std::iter::once(command.get_program())
                        .chain(command.get_args())
                        .map(|a| a.to_string_lossy().into_owned())
                        .collect();
                    match spawn(&argv) {
                        Ok(()) => return Ok(()),
                        Err(err) => last = err,
                    }
                }
                return Err(format!("could not open a browser ({last})"));
            }
        };
        spawn(&argv)
    }

    /// Opens a console sign-in URL, which signs in to the account for 15 minutes: the browser is
    /// handed a private page (mode 0600, in a 0700 directory) that forwards to it, so the token
    /// is never on a command line that `ps` shows every user. The page is removed a minute later.
    /// A Firefox container is named after the account and its id: names are not unique, and two
    /// accounts of one name must not share a cookie jar.
    pub fn open_signin(&self, url: &str, account_name: &str, account_id: &str) -> Result<(), String> {
        let account = format!("{account_name} ({account_id})");
        let target = match self {
            Browser::FirefoxContainer => container_url(&account, url),
            _ => url.to_string(),
        };
        let page = private_page(&target).map_err(|err| format!("could not write the sign-in page ({err})"))?;
        let page_url = url::Url::from_file_path(&page).map_err(|()| "the sign-in page has no file URL".to_string())?;
        let opened = match self {
            Browser::FirefoxContainer => spawn(&["firefox".to_string(), page_url.to_string()]),
            _ => self.open(page_url.as_str(), &account),
        };
        remove_later(&page, if opened.is_ok() { page_lifetime() } else { 0 });
        opened
    }
}

/// Runs `argv` detached: no shell, no terminal, none of the shell integration's variables.
fn spawn(argv: &[String]) -> Result<(), String> {
    use std::os::unix::process::CommandExt;
    let (program, args) = argv.split_first().ok_or("the browser command is empty")?;
    let mut command = Command::new(program);
    super::handoff::child(&mut command)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .map(|_| ())
        .map_err(|err| format!("could not run the browser {program:?} ({err})"))
}

/// How long the sign-in page stays for the browser to read it.
fn page_lifetime() -> u64 {
    // Debug builds let the tests watch the page go.
    #[cfg(debug_assertions)]
    if let Some(seconds) = std::env::var("ORGSCOPE_TEST_PAGE_SECONDS").ok().and_then(|s| s.parse().ok()) {
        return seconds;
    }
    60
}

/// Where the sign-in pages are written: `$XDG_RUNTIME_DIR/orgscope` (a per-user tmpfs), else
/// orgscope's cache directory; made (or tightened to) 0700.
fn pages_dir() -> std::io::Result<std::path::PathBuf> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    let base =
        dirs::runtime_dir().or_else(dirs::cache_dir).ok_or_else(|| std::io::Error::other("no home directory"))?;
    let dir = base.join("orgscope").join("console");
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(&dir)?;
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))?;
    Ok(dir)
}

/// A page that forwards the browser to `target`, written 0600.
fn private_page(target: &str) -> std::io::Result<std::path::PathBuf> {
    let path = pages_dir()?.join(format!("signin-{:016x}.html", rand::random::<u64>()));
    crate::files::write_atomic(&path, forwarding_page(target).as_bytes(), 0o600)?;
    Ok(path)
}

/// HTML that goes to `target` at once (and links it, for a browser without scripts).
pub fn forwarding_page(target: &str) -> String {
    let attribute = target.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;").replace('>', "&gt;");
    // A JSON string is a JavaScript string; `<` escaped so it cannot close the script.
    let script = serde_json::to_string(target).unwrap_or_default().replace('<', "\\u003c");
    format!(
        "<!doctype html>\n<meta charset=\"utf-8\">\n<meta name=\"referrer\" content=\"no-referrer\">\n\
         <meta http-equiv=\"refresh\" content=\"0;url={attribute}\">\n<title>orgscope: signing in to the AWS console</title>\n\
         <script>location.replace({script});</script>\n<p>Signing in to the AWS console… <a href=\"{attribute}\">continue</a></p>\n"
    )
}

/// Removes `path` after `seconds`, from a process of its own (orgscope may have exited by then).
fn remove_later(path: &std::path::Path, seconds: u64) {
    use std::os::unix::process::CommandExt;
    if seconds == 0 {
        let _ = std::fs::remove_file(path);
        return;
    }
    let spawned = Command::new("/bin/sh")
        .args(["-c", "sleep \"$1\"; rm -f -- \"$2\"", "orgscope-remove-page"])
        .arg(seconds.to_string())
        .arg(path)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn();
    if spawned.is_err() {
        tracing::warn!("could not schedule the removal of a sign-in page");
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
