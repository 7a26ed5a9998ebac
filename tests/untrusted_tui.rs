//! The TUI on a `TestBackend` with the hostile organization loaded from a `--snapshot` file: every
//! name, tag, message and reason is drawn in its visible form (ratatui drops C0 controls itself,
//! but not bidirectional overrides, isolates or line separators), the visible form is stable
//! (insta), and the clipboard keys copy the visible form too.

mod common;

use std::sync::Arc;

use common::hostile::{self, assert_inert};
use orgscope::app::App;
use orgscope::model::Text;
use orgscope::model::portal::PortalAccount;
use orgscope::source::portal::{PortalError, PortalFn};
use orgscope::source::snapshot::SnapshotSource;
use orgscope::theme::Theme;
use ratatui::crossterm::event::{Event, KeyCode};

use common::tui::key;

/// An Identity Center sign-in whose portal names two roles in the blocked account with the
/// payloads in them (a permission set's name is someone else's words too).
struct HostilePortal;

#[async_trait::async_trait]
impl orgscope::source::portal::Portal for HostilePortal {
    fn label(&self) -> String {
        "sso-session hostile".into()
    }

    fn sign_in(&self) -> orgscope::source::portal::SignIn {
        orgscope::source::portal::SignIn {
            session: Some("hostile".into()),
            profile: "default".into(),
            start_url: "https://hostile.awsapps.com/start".into(),
            region: "us-east-1".into(),
            scopes: Vec::new(),
        }
    }

    async fn account_list(&self) -> Result<Vec<(String, Text)>, PortalError> {
        Ok(vec![(hostile::BLOCKED.into(), hostile::blocked_name().into())])
    }

    async fn roles(&self, _: &str) -> Result<Vec<Text>, PortalError> {
        Ok(vec![format!("Ops{}", hostile::TITLE).into(), format!("Read{}{}", hostile::LINES, hostile::BIDI).into()])
    }

    async fn accounts(&self, found: PortalFn) -> Result<Vec<PortalAccount>, PortalError> {
        let account = PortalAccount {
            account_id: hostile::BLOCKED.into(),
            account_name: hostile::blocked_name().into(),
            roles: self.roles(hostile::BLOCKED).await?,
            error: None,
        };
        found(&account);
        Ok(vec![account])
    }

    async fn credentials(&self, _: &str, role: &str) -> Result<orgscope::model::TempCredentials, PortalError> {
        Err(PortalError::Service {
            action: "sso:GetRoleCredentials",
            code: "ForbiddenException".into(),
            message: role.into(),
        })
    }
}

/// Runs the app on the hostile snapshot; returns the screen and what was copied.
async fn hostile_screen(width: u16, height: u16, keys: Vec<std::io::Result<Event>>) -> (String, Vec<String>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("hostile.json");
    std::fs::write(&path, serde_json::to_vec(&hostile::snapshot()).expect("JSON")).expect("write");
    let source = Arc::new(SnapshotSource::from_file(&path).expect("the hostile snapshot loads"));
    let mut app = App::new(orgscope::app::Settings::for_source(source.as_ref()));
    app.settings.theme = Theme { color: false, light: false };
    app.settings.portal =
        Some(orgscope::app::settings::PortalSettings { label: "sso-session hostile".into(), preferred: Vec::new() });
    // The hostile portal stands in for a live sign-in, whose role picker a saved run would refuse.
    app.settings.saved_run = None;
    let landed = orgscope::export::clipboard::Copied { system: true, terminal: false };
    let prober = orgscope::probe::Prober::new(source, orgscope::probe::ProbeSettings::default())
        .with_portal(Some(Arc::new(HostilePortal)));
    let (terminal, _, copied) = common::tui::run_app_with(&mut app, prober, (width, height), keys, landed).await;
    let screen = common::tui::text(terminal.backend().buffer());
    // The temporary directory's name is random; its length is not.
    let shown_dir = dir.path().to_string_lossy().into_owned();
    let fixed: String = shown_dir.chars().map(|c| if c.is_ascii_alphanumeric() { 'X' } else { c }).collect();
    (screen.replace(&shown_dir, &fixed), copied)
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn every_view_draws_hostile_text_visibly() {
    use KeyCode::{Char, Enter, Tab};
    let views: Vec<(&str, Vec<KeyCode>)> = vec![
        ("tree", vec![Char('n')]),
        ("formula_account", vec![Char('j'), Char('j'), Char('j')]),
        ("assignments", vec![Tab]),
        ("attempt", vec![Tab, Char('j'), Enter]),
        ("refused", vec![Tab, Enter]),
        ("access", vec![Tab, Tab]),
        // Principal mode on the group whose name sets the title: the picker, then the marked tree.
        ("picker", vec![Char('P'), Char('a'), Char('d'), Char('m')]),
        ("principal", vec![Char('P'), Char('a'), Char('d'), Char('m'), Enter, Char('n')]),
        // The portal's roles on the blocked account, the role picker, and the refusal's toast.
        ("role_picker", vec![Char('n'), Enter]),
        ("portal_refused", vec![Char('n'), Enter, Enter]),
    ];
    for (width, height) in [(80u16, 24u16), (160, 48)] {
        for (name, keys) in &views {
            let (screen, _) = hostile_screen(width, height, keys.iter().copied().map(key).collect()).await;
            assert_inert(&format!("{name} at {width}x{height}"), &screen);
            insta::assert_snapshot!(format!("hostile_{name}_{width}x{height}"), screen);
        }
    }
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn the_clipboard_keys_copy_the_visible_form() {
    // `n` to the blocked account, `c` its AWS error; Tab, `c` the refused call's message, `j`, `c`
    // the failure reason; `C` both as a Markdown table; Tab twice back, `Y` and `A` its id and ARN.
    let keys = vec![
        key(KeyCode::Char('n')),
        key(KeyCode::Char('c')),
        key(KeyCode::Tab),
        key(KeyCode::Char('c')),
        key(KeyCode::Char('j')),
        key(KeyCode::Char('c')),
        key(KeyCode::Char('C')),
        key(KeyCode::Tab),
        key(KeyCode::Tab),
        key(KeyCode::Char('Y')),
        key(KeyCode::Char('A')),
    ];
    let (_, copied) = hostile_screen(160, 48, keys).await;
    assert_eq!(copied.len(), 6, "{copied:?}");
    for text in &copied {
        assert_inert("a copy", text);
    }
    assert_eq!(copied[0], "not authorized \\e]52;c;YXR0YWNrZXItY2xpcGJvYXJk\\x07\\e]0;PWNED-TITLE\\x07");
    assert!(copied[1].contains("Value 'g-\\e]52;c;"), "{}", copied[1]);
    assert!(copied[2].starts_with("Received a 400 status error: \\e]0;PWNED-TITLE\\x07"), "{}", copied[2]);
    assert_eq!(copied[3].lines().count(), 4, "a header, a rule and two rows: {}", copied[3]);
    assert_eq!(copied[4], hostile::BLOCKED);
    assert!(copied[5].ends_with(&format!("account/o-fa1e000000/{}", hostile::BLOCKED)), "{}", copied[5]);
}
