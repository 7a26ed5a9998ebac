//! The organization tree pane: only the rows in view are turned into widgets.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::theme::Theme;
use crate::app::App;
use crate::app::tree::{NodeData, TreeNode, visible_offset};

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let title = match &app.organization {
        Some(org) => format!(" Organization {} ", org.id),
        None => " Organization ".to_string(),
    };
    let block =
        Block::new().borders(Borders::ALL).border_style(theme.border()).title(Line::styled(title, theme.title()));
    let inner = block.inner(area);
    frame.render_widget(block, area);

    let tree = &app.tree;
    if tree.rows.is_empty() {
        let text = match &app.activity {
            crate::app::Activity::Failed(message) => Line::styled(message.clone(), theme.blocked()),
            _ => Line::styled("discovering the organization…", theme.dim()),
        };
        frame.render_widget(Paragraph::new(text).wrap(ratatui::widgets::Wrap { trim: true }), inner);
        return;
    }
    let height = inner.height as usize;
    let offset = visible_offset(tree.offset, tree.selected, height);
    let lines: Vec<Line> = tree
        .rows
        .iter()
        .enumerate()
        .skip(offset)
        .take(height)
        .map(|(row, &index)| {
            let line = row_line(&tree.nodes[index], theme);
            if row == tree.selected {
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

fn row_line<'a>(node: &'a TreeNode, theme: &Theme) -> Line<'a> {
    let indent = Span::raw("  ".repeat(node.depth as usize));
    match &node.data {
        NodeData::Root | NodeData::Ou => {
            let fold = if node.expanded { "▾ " } else { "▸ " };
            let counts_style = if node.blocked > 0 { theme.blocked() } else { theme.dim() };
            let mut spans = vec![
                indent,
                Span::raw(fold),
                Span::styled(node.name.as_str(), theme.title()),
                Span::styled(format!("  {} / {}", node.accounts, node.blocked), counts_style),
            ];
            if let Some(error) = &node.error {
                spans.push(Span::styled(format!("  ⚠ {}", error.code), theme.blocked()));
            }
            Line::from(spans)
        }
        NodeData::Account { account, access } => {
            let (glyph, style) = theme.account(account, access);
            let mut spans = vec![
                indent,
                Span::styled(format!("{glyph} "), style),
                Span::styled(account.name.as_str(), style),
                Span::styled(format!("  {}", account.id), theme.dim()),
            ];
            if account.management {
                spans.push(Span::styled("  ★ management", theme.label()));
            }
            Line::from(spans).style(Style::new())
        }
    }
}
