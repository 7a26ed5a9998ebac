//! The organization tree pane: only the rows in view are turned into widgets.

use std::borrow::Cow;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::app::App;
use crate::app::tree::arena::{NodeData, TreeNode};
use crate::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let mut title = match app.organization() {
        Some(org) => format!(" Organization {} ", org.id),
        None => " Organization ".to_string(),
    };
    if let Some(age) = &app.stale {
        title.push_str(&format!("· cached {age}, refreshing… "));
    }
    let tree = &app.tree.view;
    if let Some(filter) = &app.tree.filter {
        title.push_str(&format!("· filter \"{}\": {} matches ", filter.query, filter.count()));
    }
    if let Some(reach) = &app.reach {
        let root = tree.nodes.iter().filter(|n| n.parent.is_none()).map(|n| n.reached).sum::<usize>();
        title.push_str(&format!("· {REACHED} {} reaches {root} accounts (Esc ends) ", reach.principal.label()));
    }
    let block =
        Block::new().borders(Borders::ALL).border_style(theme.border()).title(Line::styled(title, theme.title()));
    frame.render_widget(block, area);
    let prompt = app.tree.filter_input.as_ref();
    let inner = app.layout.tree_list(prompt.is_some());
    if let Some(query) = prompt {
        let count = app.tree.filter.as_ref().map(|f| format!("  {} matches", f.count())).unwrap_or_default();
        let prompt = Line::from(vec![
            Span::styled("/", theme.label()),
            Span::raw(query.as_str()),
            Span::styled("▏", theme.label()),
            Span::styled(count, theme.title()),
            Span::styled(
                "  Enter keeps, Esc restores; state:blocked joined:invited status:suspended changed:",
                theme.dim(),
            ),
        ]);
        frame.render_widget(Paragraph::new(prompt), Rect { y: inner.y - 1, height: 1, ..inner });
    }

    if tree.rows.is_empty() && app.tree.filter.is_some() {
        frame.render_widget(Paragraph::new(Line::styled("no account matches", theme.dim())), inner);
        return;
    }
    if tree.rows.is_empty() {
        let text = match &app.discovery_error {
            Some(message) => Line::styled(crate::text::visible(message), theme.blocked()),
            None => Line::styled("discovering the organization…", theme.dim()),
        };
        frame.render_widget(Paragraph::new(text).wrap(ratatui::widgets::Wrap { trim: true }), inner);
        return;
    }
    let height = inner.height as usize;
    let mut highlighter = app.tree.filter.as_ref().map(|f| f.highlighter());
    let lines: Vec<Line> = tree
        .rows
        .iter()
        .enumerate()
        .skip(tree.cursor.offset)
        .take(height)
        .map(|(row, &index)| {
            let node = &tree.nodes[index];
            let highlight =
                highlighter.as_mut().filter(|_| !node.is_container()).and_then(|h| h.positions(&node.name.shown()));
            let portal = app.settings.portal.as_ref().map(|_| &app.portal);
            let line = row_line(node, highlight.as_deref(), app.reach.as_ref(), portal, theme);
            if row == tree.cursor.selected {
                let mut spans = vec![Span::styled("›", theme.title())];
                spans.extend(line.spans);
                Line::from(spans).style(theme.selected())
            } else {
                let mut spans = vec![Span::raw(" ")];
                spans.extend(line.spans);
                Line::from(spans)
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

/// `name` with the characters at `positions` highlighted.
/// `name` is the visible form (the highlight positions are found in it too).
fn highlighted<'a>(name: Cow<'a, str>, positions: Option<&[u32]>, style: Style, theme: &Theme) -> Vec<Span<'a>> {
    let Some(positions) = positions.filter(|p| !p.is_empty()) else { return vec![Span::styled(name, style)] };
    name.chars()
        .enumerate()
        .map(|(i, c)| {
            let hit = positions.binary_search(&(i as u32)).is_ok();
            Span::styled(c.to_string(), if hit { style.patch(theme.highlight()) } else { style })
        })
        .collect()
}

/// Marks a row that changed since the previous run (on an OU, with the changed accounts below).
const CHANGED: &str = "Δ";
/// Marks what the principal of principal mode reaches.
pub const REACHED: &str = "→";
/// Counts, on an OU, the users and groups holding an admin permission set in it.
pub const ADMINS: &str = "⚿";

fn row_line<'a>(
    node: &'a TreeNode,
    highlight: Option<&[u32]>,
    reach: Option<&crate::app::access::Reach>,
    portal: Option<&crate::app::portal::PortalRoles>,
    theme: &Theme,
) -> Line<'a> {
    let indent = Span::raw("  ".repeat(node.depth as usize));
    match &node.data {
        NodeData::Root | NodeData::Ou => {
            let fold = if node.expanded { "▾ " } else { "▸ " };
            let counts_style = if node.blocked > 0 { theme.blocked() } else { theme.dim() };
            let mut spans = vec![
                indent,
                Span::raw(fold),
                Span::styled(node.name.shown(), theme.title()),
                Span::styled(format!("  {} / {}", node.accounts, node.blocked), counts_style),
            ];
            if !node.changes.is_empty() || node.changed > 0 {
                let below = if node.changed > 0 { format!(" {}", node.changed) } else { String::new() };
                spans.push(Span::styled(format!("  {CHANGED}{below}"), theme.label()));
            }
            if reach.is_some() && node.reached > 0 {
                spans.push(Span::styled(format!("  {REACHED} {}", node.reached), theme.label()));
            }
            if node.admins > 0 {
                // Users and groups with an admin permission set in here.
                spans.push(Span::styled(format!("  {ADMINS} {}", node.admins), theme.dim()));
            }
            if let Some(error) = &node.error {
                spans.push(Span::styled(format!("  ⚠ {}", error.code), theme.blocked()));
            }
            Line::from(spans)
        }
        NodeData::Account { account, access } => {
            let roles = portal.and_then(|p| p.of(&account.id));
            // Blocked for the role but reachable through your Identity Center sign-in: its own
            // glyph and colour (it still counts as blocked on its OU).
            let through_portal = roles.is_some() && access.is_blocked();
            let (glyph, style) = if through_portal {
                (crate::theme::PORTAL_GLYPH, theme.portal())
            } else {
                theme.account(account, access)
            };
            let mut spans = vec![indent, Span::styled(format!("{glyph} "), style)];
            spans.extend(highlighted(account.name.shown(), highlight, style, theme));
            spans.push(Span::styled(format!("  {}", account.id), theme.dim()));
            if account.management {
                spans.push(Span::styled("  ★ management", theme.label()));
            }
            if !node.changes.is_empty() {
                spans.push(Span::styled(format!("  {CHANGED}"), theme.label()));
            }
            // In principal mode the picked principal's marks take the place of your own roles.
            if let Some(roles) = roles.filter(|_| reach.is_none()) {
                let (prefix, style) = if through_portal { ("via SSO", theme.portal()) } else { ("SSO", theme.dim()) };
                spans.push(Span::styled(format!("  {prefix}: {}", crate::text::join(roles, ", ")), style));
            }
            if let Some(reach) = reach.filter(|_| node.reached > 0) {
                // Admin and privileged reach in their level's colour, with the word.
                let level = reach.levels.get(&account.id).copied().unwrap_or(crate::model::Level::Unknown);
                let (style, word) = match level {
                    crate::model::Level::Admin | crate::model::Level::Privileged => {
                        (theme.level(level), format!(" [{level}]"))
                    }
                    _ => (theme.label(), String::new()),
                };
                spans.push(Span::styled(
                    format!("  {REACHED} {}{word}", reach.marks.get(&account.id).map_or("", String::as_str)),
                    style,
                ));
            }
            Line::from(spans).style(Style::new())
        }
    }
}
