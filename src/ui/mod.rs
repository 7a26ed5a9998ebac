//! Drawing: a pure function of the [`App`] state, one file per part of the screen, each drawn
//! into the rectangle the app's [`Layout`](crate::app::layout::Layout) holds for it. Nothing here
//! changes state or calls AWS, and only visible rows are drawn.

mod access;
mod assignments;
mod detail;
mod help;
mod picker;
mod popup;
mod roles;
mod status_bar;
mod tree;

use ratatui::Frame;

use crate::app::{App, Overlay, View};

pub fn draw(frame: &mut Frame, app: &App) {
    let theme = app.settings.theme;
    let layout = &app.layout;
    match app.view {
        View::Tree => {
            tree::draw(frame, layout.tree, app, &theme);
            detail::draw(frame, layout.detail, app, &theme);
        }
        View::Assignments => assignments::draw(frame, layout.main(), app, &theme),
        View::Access => access::draw(frame, layout.main(), app, &theme),
    }
    status_bar::draw(frame, layout.status, app, &theme);
    match &app.overlay {
        Some(Overlay::Help) => help::draw(frame, layout.area, app, &theme),
        Some(Overlay::Text { title, body }) => {
            popup::draw(frame, layout.popup(body), title, body, "↑↓ scroll, Esc to close", app.overlay_scroll, &theme)
        }
        Some(Overlay::Confirm { title, body, .. }) => popup::draw(
            frame,
            layout.popup(body),
            title,
            body,
            "Enter sends it, Esc cancels",
            app.overlay_scroll,
            &theme,
        ),
        Some(Overlay::Pick(picker)) => picker::draw(frame, layout.area, picker, &theme),
        Some(Overlay::ChooseRole(pick)) => roles::draw(frame, layout.area, pick, &theme),
        None => {}
    }
}
