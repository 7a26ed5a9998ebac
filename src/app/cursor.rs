//! The one list cursor every list uses: which row is selected and which row is at the top, kept
//! inside the list and the selection inside the window the list is drawn in.

/// A selection and a scroll offset over a list of `len` rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListCursor {
    /// Index into the list's rows.
    pub selected: usize,
    /// First row shown.
    pub offset: usize,
}

impl ListCursor {
    /// Moves the selection by `delta` rows (negative: up), staying inside `len`.
    pub fn move_by(&mut self, delta: isize, len: usize) {
        self.selected = self.selected.saturating_add_signed(delta).min(len.saturating_sub(1));
    }

    pub fn top(&mut self) {
        self.selected = 0;
    }

    pub fn bottom(&mut self, len: usize) {
        self.selected = len.saturating_sub(1);
    }

    /// Selects `row`, if the list has it.
    pub fn select(&mut self, row: usize, len: usize) {
        if row < len {
            self.selected = row;
        }
    }

    /// The movement keys of a flat list of `len` rows drawn `height` rows high (a page is one row
    /// less, so a row stays in sight): true when `intent` was one of them. The window follows.
    pub fn follow(&mut self, intent: &super::message::Intent, len: usize, height: usize) -> bool {
        use super::message::Intent;
        let page = height.saturating_sub(1).max(1) as isize;
        match intent {
            Intent::MoveUp => self.move_by(-1, len),
            Intent::MoveDown => self.move_by(1, len),
            Intent::PageUp => self.move_by(-page, len),
            Intent::PageDown => self.move_by(page, len),
            Intent::Top => self.top(),
            Intent::Bottom => self.bottom(len),
            Intent::Scroll(delta) => self.move_by(*delta, len),
            _ => return false,
        }
        self.scroll_into_view(height);
        true
    }

    /// Keeps the selection inside a list that now has `len` rows.
    pub fn clamp(&mut self, len: usize) {
        self.selected = self.selected.min(len.saturating_sub(1));
    }

    /// Keeps the selection inside a window of `height` rows, moving the window as little as
    /// possible.
    pub fn scroll_into_view(&mut self, height: usize) {
        let height = height.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + height {
            self.offset = self.selected + 1 - height;
        }
    }

    /// The rows a window of `height` shows, as indices into the list.
    pub fn window(&self, len: usize, height: usize) -> std::ops::Range<usize> {
        let start = self.offset.min(len);
        start..(start + height).min(len)
    }

    /// The list row under line `line` of the window (0 at its top), if there is one.
    pub fn row_at(&self, line: usize, len: usize) -> Option<usize> {
        let row = self.offset + line;
        (row < len).then_some(row)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_moves_only_as_far_as_needed() {
        let mut cursor = ListCursor { selected: 5, offset: 0 };
        cursor.scroll_into_view(10);
        assert_eq!(cursor.offset, 0);
        cursor.selected = 12;
        cursor.scroll_into_view(10);
        assert_eq!(cursor.offset, 3);
        cursor.selected = 2;
        cursor.scroll_into_view(10);
        assert_eq!(cursor.offset, 2);
        assert_eq!(cursor.window(5, 10), 2..5);
    }

    #[test]
    fn moves_stay_inside_the_list() {
        let mut cursor = ListCursor::default();
        cursor.move_by(-3, 4);
        assert_eq!(cursor.selected, 0);
        cursor.move_by(10, 4);
        assert_eq!(cursor.selected, 3);
        cursor.bottom(0);
        assert_eq!(cursor.selected, 0);
        cursor.select(9, 4);
        assert_eq!(cursor.selected, 0, "a row the list lacks is not selected");
        assert_eq!(cursor.row_at(2, 4), Some(2));
        assert_eq!(cursor.row_at(4, 4), None);
    }
}
