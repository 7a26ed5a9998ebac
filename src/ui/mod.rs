//! Drawing: a pure function of the [`App`] state, one file per part of the screen. Nothing here
//! changes state or calls AWS, and only visible rows are drawn.

mod assignments;
mod detail;
mod help;
mod popup;
mod status_bar;
mod tree;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};

use crate::app::{App, Overlay, View};

/// Height of the status bar at the bottom.
const STATUS_ROWS: u16 = 2;

struct Areas {
    tree: Rect,
    detail: Rect,
    status: Rect,
}

fn areas(area: Rect) -> Areas {
    let [main, status] = Layout::vertical([Constraint::Min(3), Constraint::Length(STATUS_ROWS)]).areas(area);
    let tree_share = if area.width < 100 { 55 } else { 50 };
    let [tree, detail] =
        Layout::horizontal([Constraint::Percentage(tree_share), Constraint::Percentage(100 - tree_share)]).areas(main);
    Areas { tree, detail, status }
}

/// Rows of accounts and OUs the tree pane shows on a terminal of `size` (columns, rows).
pub fn tree_rows((columns, rows): (u16, u16)) -> usize {
    // The tree pane has a border above and below.
    areas(Rect::new(0, 0, columns, rows)).tree.height.saturating_sub(2) as usize
}

/// The node row under terminal cell (`column`, `row`) in the tree pane, or the attempt row in the
/// assignments view: an index into the view's rows.
pub fn row_at(app: &App, column: u16, row: u16) -> Option<usize> {
    let areas = areas(Rect::new(0, 0, app.size.0, app.size.1));
    let pane = match app.view {
        View::Tree => areas.tree,
        View::Assignments => areas.tree.union(areas.detail),
    };
    let inner = Rect {
        x: pane.x + 1,
        y: pane.y + 1,
        width: pane.width.saturating_sub(2),
        height: pane.height.saturating_sub(2),
    };
    if column < inner.x || column >= inner.x + inner.width || row < inner.y || row >= inner.y + inner.height {
        return None;
    }
    let line = (row - inner.y) as usize;
    match app.view {
        View::Tree => {
            let top = usize::from(app.filter_input.is_some());
            let height = (inner.height as usize).saturating_sub(top);
            let offset = crate::app::tree::visible_offset(app.tree.offset, app.tree.selected, height);
            let index = line.checked_sub(top)? + offset;
            (index < app.tree.rows.len()).then_some(index)
        }
        View::Assignments => {
            // A header line, then the rows from the offset.
            let index = line.checked_sub(1)? + app.assignments.offset;
            (index < app.assignments.rows.len()).then_some(index)
        }
    }
}

pub fn draw(frame: &mut Frame, app: &App) {
    let theme = app.theme;
    let areas = areas(frame.area());
    match app.view {
        View::Tree => {
            tree::draw(frame, areas.tree, app, &theme);
            detail::draw(frame, areas.detail, app, &theme);
        }
        View::Assignments => assignments::draw(frame, areas.tree.union(areas.detail), app, &theme),
    }
    status_bar::draw(frame, areas.status, app, &theme);
    match &app.overlay {
        Some(Overlay::Help) => help::draw(frame, frame.area(), app, &theme),
        Some(Overlay::Text { title, body }) => {
            popup::draw(frame, frame.area(), title, body, app.overlay_scroll, &theme)
        }
        None => {}
    }
}
