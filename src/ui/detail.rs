//! The detail pane: everything known about the selected OU or account, including the exact error
//! and the fix for a blocked one.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use crate::app::App;
use crate::app::tree::arena::{NodeData, TreeNode};
use crate::model::{AccessState, Account, ProbeOutcome, Text};
use crate::text::join;
use crate::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let Some(index) = app.tree.view.selected_index() else {
        let block = Block::new().borders(Borders::ALL).border_style(theme.border()).title(" Details ");
        frame.render_widget(block, area);
        return;
    };
    let node = &app.tree.view.nodes[index];
    let path = app.tree.view.path(index);
    let mut lines = Vec::new();
    match &node.data {
        NodeData::Account { account, access } => {
            account_lines(&mut lines, account, access, &path, &app.sessions, theme);
            portal_lines(&mut lines, app, &account.id, access, theme);
            reach_lines(&mut lines, app, &account.id, theme);
            access_lines(&mut lines, app, &account.id, theme);
            let recent: Vec<_> = app.assignments.for_account(&account.id).take(5).collect();
            if !recent.is_empty() {
                lines.push(Line::default());
                lines.push(Line::styled("Identity Center requests (Tab for all)", theme.label()));
                for attempt in recent {
                    let time = attempt.event_time.map(|t| t.format("%m-%d %H:%M").to_string()).unwrap_or_default();
                    let what = attempt.permission_set_label().unwrap_or_default();
                    lines.push(Line::from(vec![
                        Span::raw(format!("{time}  ")),
                        Span::styled(attempt.status.code(), super::assignments::status_style(attempt.status, theme)),
                        Span::raw(format!("  {:<9}  {what}", attempt.operation.code())),
                    ]));
                }
            }
        }
        NodeData::Root | NodeData::Ou => container_lines(&mut lines, node, &path, theme),
    }
    change_lines(&mut lines, app, node, theme);
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(theme.border())
        .title(Line::styled(format!(" {} ", join(path.iter().copied(), " › ")), theme.title()));
    frame.render_widget(Paragraph::new(lines).block(block).wrap(Wrap { trim: false }), area);
}

/// Your own Identity Center sign-in here: the roles it holds, and for an account blocked for the
/// cross-account role, that Enter goes through the portal instead.
fn portal_lines(lines: &mut Vec<Line<'_>>, app: &App, account_id: &str, access: &AccessState, theme: &Theme) {
    let Some(settings) = &app.settings.portal else { return };
    lines.push(Line::default());
    let title = format!("{} Your Identity Center sign-in ({})", crate::theme::PORTAL_GLYPH, settings.label);
    lines.push(Line::styled(title, theme.portal()));
    let Some(roles) = app.portal.of(account_id) else {
        let text = match (&app.portal.error, app.portal.errors.get(account_id)) {
            (_, Some(error)) => format!("its roles could not be listed: {error}"),
            (Some(error), _) => crate::text::visible(error).into_owned(),
            _ if app.portal.loading => "reading the portal's roles…".to_string(),
            _ => "holds no role here".to_string(),
        };
        lines.push(Line::styled(text, theme.dim()));
        return;
    };
    field(lines, "Roles", crate::text::join(roles, ", "), theme);
    if access.is_blocked() {
        let preferred = &settings.preferred;
        let how = match crate::model::portal::choose_role(roles, None, preferred) {
            Ok(role) => format!("as {role}"),
            Err(_) => "asking which role".to_string(),
        };
        lines.push(Line::styled(
            format!(
                "Blocked for the role, but reachable through Identity Center: Enter (x, w, y, o, O) switches {how}"
            ),
            theme.portal(),
        ));
    }
}

/// The permission sets held in the account and who holds each, stale ones marked.
/// Principal mode: what the principal holds here, and through which group.
fn reach_lines(lines: &mut Vec<Line<'_>>, app: &App, account_id: &str, theme: &Theme) {
    let Some(reach) = &app.reach else { return };
    lines.push(Line::default());
    let sets = reach.sets(account_id);
    if sets.is_empty() {
        lines.push(Line::styled(format!("{} has no access here", reach.principal.label()), theme.dim()));
        return;
    }
    lines.push(Line::styled(
        format!("{} {} gets in with", super::tree::REACHED, reach.principal.label()),
        theme.label(),
    ));
    for (set, level, stale) in sets {
        let mut spans = vec![Span::styled(set, theme.title()), Span::styled(format!(" [{level}]"), theme.level(level))];
        if stale {
            spans.push(Span::styled(" (stale)", theme.api_error()));
        }
        lines.push(Line::from(spans));
    }
}

fn access_lines(lines: &mut Vec<Line<'_>>, app: &App, account_id: &str, theme: &Theme) {
    let held = app.identity.held(account_id, app.now());
    if held.is_empty() {
        return;
    }
    lines.push(Line::default());
    lines.push(Line::styled("Identity Center access (permission set [level], last used: who holds it)", theme.label()));
    for set in held {
        let mut spans = vec![
            Span::styled(set.permission_set.to_string(), theme.title()),
            Span::styled(format!(" [{}]", set.level), theme.level(set.level)),
            Span::styled(format!(" {}", set.used), theme.dim()),
        ];
        if set.stale {
            spans.push(Span::styled(" (stale: not provisioned at its latest version)", theme.api_error()));
        }
        spans.push(Span::raw(format!(": {}", set.holders.join(", "))));
        lines.push(Line::from(spans));
    }
}

fn field<'a>(lines: &mut Vec<Line<'a>>, label: &'a str, value: impl Into<Span<'a>>, theme: &Theme) {
    lines.push(Line::from(vec![Span::styled(format!("{label:<11}"), theme.label()), value.into()]));
}

fn container_lines<'a>(lines: &mut Vec<Line<'a>>, node: &'a TreeNode, path: &[&'a Text], theme: &Theme) {
    let kind = if matches!(node.data, NodeData::Root) { "Root" } else { "OU" };
    field(lines, kind, node.id.as_str(), theme);
    field(lines, "Path", join(path.iter().copied(), " / "), theme);
    field(lines, "Accounts", node.accounts.to_string(), theme);
    let blocked_style = if node.blocked > 0 { theme.blocked() } else { theme.reachable() };
    field(lines, "Blocked", Span::styled(node.blocked.to_string(), blocked_style), theme);
    if node.admins > 0 {
        let admins = format!("{} users and groups hold an admin permission set here", node.admins);
        field(lines, "Admins", Span::styled(admins, theme.level(crate::model::Level::Admin)), theme);
    }
    if let Some(error) = &node.error {
        lines.push(Line::default());
        field(lines, "Error", Span::styled(error.code.to_string(), theme.blocked()), theme);
        lines.push(Line::raw(error.message.to_string()));
        lines.push(Line::styled("Only part of this OU could be read; the rest of the tree is complete.", theme.dim()));
    }
}

fn account_lines<'a>(
    lines: &mut Vec<Line<'a>>,
    account: &'a Account,
    access: &'a AccessState,
    path: &[&'a Text],
    app_sessions: &std::collections::BTreeMap<String, chrono::DateTime<chrono::Utc>>,
    theme: &Theme,
) {
    field(lines, "Account", account.id.as_str(), theme);
    field(lines, "Email", account.email.as_ref().map_or("—".to_string(), Text::to_string), theme);
    let status = account.status.as_deref().unwrap_or("—");
    let status_style = if account.is_suspended() { theme.skipped() } else { ratatui::style::Style::new() };
    field(lines, "Status", Span::styled(status, status_style), theme);
    let joined = match (&account.joined_method, &account.joined_at) {
        (Some(method), Some(at)) => format!("{method} on {}", at.format("%Y-%m-%d")),
        (Some(method), None) => method.clone(),
        (None, Some(at)) => at.format("%Y-%m-%d").to_string(),
        (None, None) => "—".to_string(),
    };
    field(lines, "Joined", joined, theme);
    field(lines, "OU path", join(path[..path.len().saturating_sub(1)].iter().copied(), " / "), theme);
    if account.management {
        field(lines, "Role", "management account of the organization", theme);
    }
    if let Some(tags) = &account.tags {
        let text = if tags.is_empty() {
            "none".to_string()
        } else {
            tags.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(", ")
        };
        field(lines, "Tags", text, theme);
    }
    lines.push(Line::default());
    let (glyph, style) = theme.account(account, access);
    match access {
        AccessState::Unknown => field(lines, "Access", Span::styled(format!("{glyph} not probed"), style), theme),
        AccessState::Probing => field(lines, "Access", Span::styled(format!("{glyph} probing…"), style), theme),
        AccessState::Probed(outcome) => outcome_lines(lines, glyph, outcome, style, theme),
    }
    if let Some(expiration) = app_sessions.get(&account.id) {
        let left = (*expiration - chrono::Utc::now()).num_minutes();
        let text = if left > 0 {
            format!("{left} min left (until {} UTC)", expiration.format("%H:%M"))
        } else {
            "expired: switch role again".to_string()
        };
        field(lines, "Session", text, theme);
    }
}

fn outcome_lines<'a>(
    lines: &mut Vec<Line<'a>>,
    glyph: &str,
    outcome: &'a ProbeOutcome,
    style: ratatui::style::Style,
    theme: &Theme,
) {
    let verdict = match outcome.reason {
        Some(reason) => format!("{glyph} {} — {reason}", outcome.status.code()),
        None => format!("{glyph} {}", outcome.status.code()),
    };
    field(lines, "Access", Span::styled(verdict, style), theme);
    if let Some(reason) = &outcome.expected {
        field(lines, "Expected", format!("blocked on purpose: {reason}"), theme);
    }
    if let Some(role) = &outcome.role_arn {
        field(lines, "Role tried", role.as_str(), theme);
    }
    if let Some(cause) = outcome.cause {
        lines.push(Line::styled("Cause", theme.label()));
        lines.push(Line::raw(crate::remedy::cause::describe(cause, outcome.evidence.as_deref())));
        if crate::remedy::repair::action_for(cause) != crate::remedy::repair::Action::None
            && outcome.status == crate::model::ProbeStatus::Blocked
        {
            lines.push(Line::styled("F fixes it (shows the change and asks first)", theme.portal()));
        }
    }
    if let Some(message) = &outcome.message {
        lines.push(Line::styled("Error", theme.label()));
        lines.push(Line::raw(message.to_string()));
    }
    if let Some(hint) = &outcome.hint {
        lines.push(Line::styled("Fix", theme.label()));
        lines.push(Line::raw(hint.to_string()));
    }
}

/// What changed in the selection since the previous run, and when that run was. A root also lists
/// what left the organization (it has no row of its own any more).
fn change_lines(lines: &mut Vec<Line<'_>>, app: &App, node: &TreeNode, theme: &Theme) {
    use crate::diff::ChangeKind;
    let (id, below) = (node.id.as_str(), node.changed);
    let mut changes: Vec<&crate::diff::Change> = app.changes.get(id).into_iter().flatten().collect();
    if node.parent.is_none() {
        // Only a root's pane walks every change, and only for what left (no row of its own).
        let gone = |c: &&crate::diff::Change| matches!(c.kind, ChangeKind::AccountRemoved | ChangeKind::OuRemoved);
        changes.extend(app.changes.values().flatten().filter(gone));
    }
    let Some(previous) = app.previous.as_ref().filter(|_| !changes.is_empty() || below > 0) else { return };
    lines.push(Line::default());
    lines.push(Line::styled(
        format!("Changed since the previous run ({} UTC)", previous.saved_at.format("%Y-%m-%d %H:%M")),
        theme.label(),
    ));
    if below > 0 {
        lines.push(Line::raw(format!("{below} accounts below changed (filter changed: to list them)")));
    }
    for change in changes {
        // The detail says it best where there is one (paths for a move, reasons for access).
        let what = match (&change.detail, &change.from, &change.to) {
            (Some(detail), _, _) => detail.to_string(),
            (None, Some(from), Some(to)) => format!("{from} → {to}"),
            _ => String::new(),
        };
        let whose = if change.id == id { String::new() } else { format!("  {} ({})", change.name, change.id) };
        lines.push(Line::from(vec![
            Span::styled(format!("Δ {}", change.kind.code()), theme.label()),
            Span::raw(format!("{whose}  {what}")),
        ]));
    }
}
