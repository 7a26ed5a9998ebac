//! Where each part of the screen is, computed once per terminal size and stored in the app:
//! drawing, mouse hit-testing and paging all read the same rectangles.

use ratatui::layout::{Constraint, Flex, Layout as Split, Rect};

/// Height of the status bar at the bottom.
const STATUS_ROWS: u16 = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    pub area: Rect,
    /// The tree pane (left) and the detail pane (right), which the other views use as one.
    pub tree: Rect,
    pub detail: Rect,
    pub status: Rect,
}

impl Default for Layout {
    fn default() -> Layout {
        Layout::new(80, 24)
    }
}

/// The inside of a bordered pane.
fn inner(pane: Rect) -> Rect {
    Rect { x: pane.x + 1, y: pane.y + 1, width: pane.width.saturating_sub(2), height: pane.height.saturating_sub(2) }
}

impl Layout {
    pub fn new(columns: u16, rows: u16) -> Layout {
        let area = Rect::new(0, 0, columns, rows);
        let [main, status] = Split::vertical([Constraint::Min(3), Constraint::Length(STATUS_ROWS)]).areas(area);
        let tree_share = if area.width < 100 { 55 } else { 50 };
        let [tree, detail] =
            Split::horizontal([Constraint::Percentage(tree_share), Constraint::Percentage(100 - tree_share)])
                .areas(main);
        Layout { area, tree, detail, status }
    }

    /// The pane a full-width view (the assignments) takes: the tree and detail panes as one.
    pub fn main(&self) -> Rect {
        self.tree.union(self.detail)
    }

    /// The tree's rows: inside the pane's border, below the filter prompt while one is typed.
    pub fn tree_list(&self, filter_prompt: bool) -> Rect {
        let mut list = inner(self.tree);
        if filter_prompt {
            list.y += 1;
            list.height = list.height.saturating_sub(1);
        }
        list
    }

    /// The assignments' rows: inside the pane's border, below the header line.
    pub fn assignments_list(&self) -> Rect {
        let mut list = inner(self.main());
        list.y += 1;
        list.height = list.height.saturating_sub(1);
        list
    }

    /// The text popup for `body`: 90 % of the width, as tall as the wrapped text (or the screen).
    pub fn popup(&self, body: &str) -> Rect {
        let area = self.area;
        let width = (area.width * 9 / 10).max(20).min(area.width);
        let inner_width = width.saturating_sub(2).max(1) as usize;
        let wrapped: usize = body.lines().map(|l| l.chars().count().div_ceil(inner_width).max(1)).sum();
        let height = (wrapped as u16 + 2).min(area.height);
        let [popup] = Split::vertical([Constraint::Length(height)]).flex(Flex::Center).areas(area);
        let [popup] = Split::horizontal([Constraint::Length(width)]).flex(Flex::Center).areas(popup);
        popup
    }
}

/// The line of `list` under terminal cell (`column`, `row`), 0 at its top.
pub fn line_at(list: Rect, column: u16, row: u16) -> Option<usize> {
    let inside = column >= list.x && column < list.x + list.width && row >= list.y && row < list.y + list.height;
    inside.then(|| usize::from(row - list.y))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_sit_inside_their_panes() {
        let layout = Layout::new(80, 24);
        assert_eq!(layout.status.height, 2);
        let list = layout.tree_list(false);
        assert_eq!((list.x, list.y, list.height), (1, 1, 20), "22 rows of pane, less the border");
        assert_eq!(layout.tree_list(true).height, 19, "the prompt takes a row");
        assert_eq!(layout.assignments_list().height, 19, "the header takes a row");
        assert_eq!(line_at(list, 3, 1), Some(0));
        assert_eq!(line_at(list, 0, 1), None, "the border is no row");
        assert_eq!(line_at(list, 3, 21), None);
    }

    #[test]
    fn the_popup_fits_its_text_and_the_screen() {
        let layout = Layout::new(100, 30);
        assert_eq!(layout.popup("one\ntwo").height, 4);
        assert_eq!(layout.popup(&"line\n".repeat(100)).height, 30);
        assert_eq!(layout.popup("x").width, 90);
    }
}
