//! The principal picker (`P`): a popup over Identity Store names where typing narrows the users
//! and groups fuzzily (any of a user's user name, display name, emails or id; a group's display
//! name or id), ↑↓ choose and Enter picks one for principal mode.

use nucleo_matcher::pattern::{Atom, AtomKind, CaseMatching, Normalization};
use nucleo_matcher::{Config, Matcher, Utf32Str};

use crate::model::identity::{IdentityCenter, Principal};

/// How many matches the popup lists.
pub const SHOWN: usize = 12;

#[derive(Debug, Clone, PartialEq)]
pub struct Picker {
    pub query: String,
    /// Every user and group, users first, each in name order.
    pub candidates: Vec<Candidate>,
    /// Indices into `candidates` of the matches, best first.
    pub matches: Vec<usize>,
    /// The chosen match, an index into `matches`.
    pub selected: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub principal: Principal,
    /// `user jane  Jane Doe  jane@example.com` in the visible form, what the popup shows.
    pub label: String,
    /// Every name, one per line, in the visible form: what the query is matched against.
    haystack: String,
}

impl Picker {
    pub fn new(map: &IdentityCenter) -> Picker {
        let users = map.users.iter().cloned().map(Principal::User);
        let groups = map.groups.iter().cloned().map(Principal::Group);
        let mut candidates: Vec<Candidate> = users
            .chain(groups)
            .map(|principal| {
                let names: Vec<String> = principal.names().iter().map(|n| n.to_string()).collect();
                let mut label = principal.label();
                if let Principal::User(user) = &principal {
                    for extra in user.display_name.iter().chain(&user.emails) {
                        if Some(extra) != user.user_name.as_ref() {
                            label.push_str(&format!("  {extra}"));
                        }
                    }
                }
                Candidate { principal, label, haystack: names.join("\n") }
            })
            .collect();
        candidates.sort_by_key(|c| (matches!(c.principal, Principal::Group(_)), c.label.to_lowercase()));
        let mut picker = Picker { query: String::new(), matches: Vec::new(), candidates, selected: 0 };
        picker.search();
        picker
    }

    /// A character typed (`Some`) or the last one deleted (`None`).
    pub fn type_char(&mut self, typed: Option<char>) {
        match typed {
            Some(c) => self.query.push(c),
            None => {
                self.query.pop();
            }
        }
        self.search();
    }

    pub fn move_by(&mut self, delta: isize) {
        let last = self.matches.len().saturating_sub(1);
        self.selected = self.selected.saturating_add_signed(delta).min(last);
    }

    pub fn chosen(&self) -> Option<&Principal> {
        self.matches.get(self.selected).map(|&i| &self.candidates[i].principal)
    }

    fn search(&mut self) {
        self.selected = 0;
        let words: Vec<Atom> = self
            .query
            .split_whitespace()
            .map(|w| Atom::new(w, CaseMatching::Ignore, Normalization::Smart, AtomKind::Fuzzy, false))
            .collect();
        if words.is_empty() {
            self.matches = (0..self.candidates.len()).collect();
            return;
        }
        let mut matcher = Matcher::new(Config::DEFAULT);
        let mut buffer = Vec::new();
        let mut scored: Vec<(u32, usize)> = Vec::new();
        for (index, candidate) in self.candidates.iter().enumerate() {
            let mut total = 0u32;
            let every = words.iter().all(|word| {
                // The best of its names, so a scattered hit across two names never counts.
                let best = candidate
                    .haystack
                    .lines()
                    .filter_map(|name| word.score(Utf32Str::new(name, &mut buffer), &mut matcher))
                    .max();
                best.inspect(|score| total += u32::from(*score)).is_some()
            });
            if every {
                scored.push((total, index));
            }
        }
        // Best score first; a tie keeps the list's own order.
        scored.sort_by_key(|&(score, index)| (std::cmp::Reverse(score), index));
        self.matches = scored.into_iter().map(|(_, index)| index).collect();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::identity::{Group, User};

    fn map() -> IdentityCenter {
        let user = |id: &str, name: &str, display: &str, email: &str| User {
            id: id.into(),
            user_name: Some(name.into()),
            display_name: Some(display.into()),
            emails: vec![email.into()],
        };
        IdentityCenter {
            users: vec![
                user("u-2", "sam", "Sam Lee", "sam@example.com"),
                user("u-1", "jane", "Jane Doe", "jane.doe@example.com"),
            ],
            groups: vec![Group { id: "g-1".into(), display_name: Some("Platform Admins".into()) }],
            ..IdentityCenter::default()
        }
    }

    fn names(picker: &Picker) -> Vec<String> {
        picker.matches.iter().map(|&i| picker.candidates[i].principal.label()).collect()
    }

    #[test]
    fn typing_narrows_by_any_name_fuzzily_and_enter_takes_the_best() {
        let mut picker = Picker::new(&map());
        assert_eq!(names(&picker), ["user jane", "user sam", "group Platform Admins"], "users first, by name");
        for c in "doe".chars() {
            picker.type_char(Some(c));
        }
        assert_eq!(names(&picker), ["user jane"], "by display name and email");
        picker.type_char(None);
        picker.type_char(None);
        picker.type_char(None);
        for c in "plat adm".chars() {
            picker.type_char(Some(c));
        }
        assert_eq!(names(&picker), ["group Platform Admins"]);
        assert!(matches!(picker.chosen(), Some(Principal::Group(_))));
        for c in "zz".chars() {
            picker.type_char(Some(c));
        }
        assert!(picker.matches.is_empty() && picker.chosen().is_none());
    }

    #[test]
    fn moving_stays_within_the_matches() {
        let mut picker = Picker::new(&map());
        picker.move_by(5);
        assert_eq!(picker.selected, 2);
        picker.move_by(-9);
        assert_eq!(picker.selected, 0);
    }
}
