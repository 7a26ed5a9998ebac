//! The tree view: the organization flattened into rows ([`arena`]), the `/` filter typed over it
//! ([`filter`]), and what the tree's keys do. Probing and switching role start here and are
//! carried out by the app.

pub mod arena;
pub mod filter;

use std::collections::{BTreeMap, HashSet};

use ratatui::layout::Rect;

use self::arena::{NodeData, TreeView};
use super::cursor::ListCursor;
use super::layout::Layout;
use super::message::{Effect, Intent, Job, Purpose};
use super::overlay::Overlay;
use super::view::{Context, Reply, Screen};
use crate::model::{AccessState, Org, ProbeOutcome, Reason};
use crate::probe::CallerContext;
use crate::remedy::{Template, TemplateValues};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct TreeScreen {
    pub view: TreeView,
    /// The filter applied: only its matches and their ancestors are rows, all unfolded.
    pub filter: Option<filter::FilterResult>,
    /// What the filter searches, and the tree content it was built from.
    search: Option<(u64, filter::SearchIndex)>,
    /// The filter being typed (Some while typing).
    pub filter_input: Option<String>,
    /// The selection before the filter, restored by Esc.
    filter_restore: Option<String>,
    /// The results of the shorter queries typed before this one, so backspace steps back
    /// without searching again.
    pub(crate) filter_history: Vec<filter::FilterResult>,
    /// Accounts whose tags were asked for.
    tags_requested: HashSet<String>,
}

impl Screen for TreeScreen {
    fn update(&mut self, intent: &Intent, cx: &Context) -> Option<Reply> {
        self.update_intent(intent, cx)
    }

    /// A click on `row`: select it, and fold or unfold it on a double click.
    fn click(&mut self, row: usize, double: bool, cx: &Context) -> Reply {
        self.view.cursor.select(row, self.view.rows.len());
        if double {
            self.view.toggle();
        }
        self.navigate(cx, |_| {})
    }

    fn list(&self, layout: &Layout) -> (Rect, usize, ListCursor) {
        (layout.tree_list(self.filter_input.is_some()), self.view.rows.len(), self.view.cursor)
    }
}

impl TreeScreen {
    /// Rows the tree shows at the current size.
    fn height(&self, cx: &Context) -> usize {
        usize::from(cx.layout.tree_list(self.filter_input.is_some()).height)
    }

    fn update_intent(&mut self, intent: &Intent, cx: &Context) -> Option<Reply> {
        let page = self.height(cx).saturating_sub(1).max(1) as isize;
        let reply = match intent {
            Intent::MoveUp => self.navigate(cx, |tree| tree.move_by(-1)),
            Intent::MoveDown => self.navigate(cx, |tree| tree.move_by(1)),
            Intent::PageUp => self.navigate(cx, |tree| tree.move_by(-page)),
            Intent::PageDown => self.navigate(cx, |tree| tree.move_by(page)),
            Intent::Top => self.navigate(cx, TreeView::select_first),
            Intent::Bottom => self.navigate(cx, TreeView::select_last),
            Intent::Collapse => self.navigate(cx, TreeView::collapse),
            Intent::Expand => self.navigate(cx, TreeView::expand),
            Intent::Toggle => self.navigate(cx, TreeView::toggle),
            Intent::Scroll(delta) => self.navigate(cx, |tree| tree.move_by(*delta)),
            Intent::CloseOverlay if self.filter.is_some() => {
                self.clear_filter(cx);
                Reply::default()
            }
            Intent::OpenFilter => self.open_filter(),
            Intent::FilterChar(c) => self.type_filter(Some(*c), cx),
            Intent::FilterBackspace => self.type_filter(None, cx),
            Intent::FilterErase { word } => {
                let count = self.filter_input.as_deref().map_or(0, |typed| super::message::erase_count(typed, *word));
                for _ in 0..count {
                    self.type_filter(None, cx);
                }
                Reply::default()
            }
            Intent::FilterAccept => {
                self.filter_input = None;
                if self.filter.as_ref().is_some_and(|f| f.query.trim().is_empty()) {
                    self.clear_filter(cx);
                }
                Reply::default()
            }
            Intent::FilterCancel => {
                self.clear_filter(cx);
                Reply::default()
            }
            Intent::NextBlocked | Intent::PreviousBlocked => {
                let found = self.view.select_blocked(*intent == Intent::NextBlocked);
                let mut reply = self.navigate(cx, |_| {});
                if !found {
                    reply.toast = Some("no blocked account".to_string());
                }
                reply
            }
            Intent::Activate => match self.view.selected_node() {
                Some(node) if node.is_container() => self.navigate(cx, TreeView::toggle),
                Some(_) => self.switch_role(Purpose::Export, cx),
                None => Reply::default(),
            },
            Intent::SwitchRole(purpose) => self.switch_role(*purpose, cx),
            Intent::Probe if cx.settings.saved_run.is_some() => {
                Reply::toast(cx.settings.refuse_offline("probe again").unwrap_or_default())
            }
            Intent::Probe => Reply {
                probe: self.view.selected_index().map(|i| self.view.probe_targets(i)).unwrap_or_default(),
                ..Reply::default()
            },
            Intent::CopyTemplate => self.copy_template(cx),
            Intent::Fix => self.confirm_fix(cx),
            Intent::CopyReason => self.copy_error(),
            Intent::CopyId => match self.view.selected_node() {
                Some(node) => Reply::effect(Effect::copy(node.id.clone(), format!("the id of {}", node.name))),
                None => Reply::default(),
            },
            Intent::CopyArn => self.copy_arn(cx),
            Intent::ToggleFailedOnly | Intent::CopyFailures | Intent::JumpToAccount => {
                Reply::toast("Tab opens the assignments, where this key works")
            }
            _ => return None,
        };
        Some(reply)
    }

    fn navigate(&mut self, cx: &Context, step: impl FnOnce(&mut TreeView)) -> Reply {
        step(&mut self.view);
        self.view.scroll_into_view(self.height(cx));
        self.lazy_tags()
    }

    /// Tags are read when an account is first selected (one ListTagsForResource), not for all.
    fn lazy_tags(&mut self) -> Reply {
        let Some((account, _)) = self.view.selected_node().and_then(|n| n.account()) else { return Reply::default() };
        if account.tags.is_some() || !self.tags_requested.insert(account.id.clone()) {
            return Reply::default();
        }
        Reply::effect(Effect::Run(Job::LoadTags(account.id.clone())))
    }

    fn set_filter(&mut self, result: Option<filter::FilterResult>) {
        let (shown, best) = result.as_ref().map(filter::FilterResult::shown).unzip();
        self.view.set_shown(shown, best.flatten());
        self.filter = result;
    }

    /// Tags could not be read: a later selection may ask again.
    pub fn tags_failed(&mut self, account_id: &str) {
        self.tags_requested.remove(account_id);
    }

    fn open_filter(&mut self) -> Reply {
        if self.filter_restore.is_none() {
            self.filter_restore = self.view.selected_node().map(|n| n.id.clone());
        }
        self.filter_input = Some(self.filter.as_ref().map(|f| f.query.clone()).unwrap_or_default());
        // Built now rather than on the first keystroke.
        search_index(&mut self.search, &self.view);
        Reply::default()
    }

    /// A character typed into the filter (`Some`), or the last one deleted (`None`). Typing on
    /// builds on the last result; deleting steps back to the one before, when it still holds.
    fn type_filter(&mut self, typed: Option<char>, cx: &Context) -> Reply {
        let Some(query) = &mut self.filter_input else { return Reply::default() };
        match typed {
            Some(c) => query.push(c),
            None => {
                query.pop();
            }
        }
        let query = query.clone();
        match typed {
            Some(_) => {
                let previous = self.filter.take();
                self.apply_filter(&query, previous.as_ref(), cx);
                self.filter_history.extend(previous);
            }
            None => match self.filter_history.pop() {
                Some(earlier) if earlier.query == query && earlier.revision() == self.view.revision() => {
                    self.set_filter(Some(earlier));
                    self.view.scroll_into_view(self.height(cx));
                }
                _ => {
                    self.filter_history.clear();
                    self.apply_filter(&query, None, cx);
                }
            },
        }
        Reply::default()
    }

    fn apply_filter(&mut self, query: &str, previous: Option<&filter::FilterResult>, cx: &Context) {
        let result = if query.trim().is_empty() {
            None
        } else {
            Some(filter::apply(&self.view, search_index(&mut self.search, &self.view), query, previous))
        };
        self.set_filter(result);
        self.view.scroll_into_view(self.height(cx));
    }

    /// Back to the whole tree, with the selection from before the filter (or the filtered one,
    /// if the user moved onto something).
    fn clear_filter(&mut self, cx: &Context) {
        self.filter_input = None;
        self.filter_history.clear();
        let kept = self.view.selected_node().map(|n| n.id.clone());
        self.set_filter(None);
        if let Some(id) = self.filter_restore.take().or(kept) {
            self.view.select_id(&id);
        }
        self.view.scroll_into_view(self.height(cx));
    }

    /// Shows the account `id` in the tree (from another view).
    pub fn show(&mut self, id: &str, cx: &Context) -> bool {
        let found = self.view.select_id(id);
        self.view.scroll_into_view(self.height(cx));
        found
    }

    fn switch_role(&mut self, purpose: Purpose, cx: &Context) -> Reply {
        if let Some(refusal) = cx.settings.refuse_offline("switch role") {
            return Reply::toast(refusal);
        }
        if purpose == Purpose::Export && !cx.settings.shell_listens {
            return Reply::overlay(no_shell_listens());
        }
        let Some(index) = self.view.selected_index() else { return Reply::default() };
        if self.view.nodes[index].is_container() {
            return Reply::toast(match purpose {
                Purpose::Console | Purpose::CopyConsole => {
                    "select an account: the console opens signed in to one account"
                }
                _ => "select an account to switch role",
            });
        }
        if let Some(reply) = self.through_portal(index, purpose, cx) {
            return reply;
        }
        let Some(caller) = cx.org.map(CallerContext::of) else { return Reply::default() };
        let Some(target) = self.view.probe_targets(index).into_iter().next() else { return Reply::default() };
        Reply {
            toast: Some(format!("switching role into {}…", target.account.name)),
            effects: vec![Effect::Run(Job::SwitchRole {
                purpose,
                target: Box::new(target),
                caller,
                duration: cx.settings.session_seconds,
            })],
            ..Reply::default()
        }
    }

    /// An account blocked for the role where your Identity Center sign-in holds roles: switch
    /// through the portal, at once with one role (or one the config prefers), else ask which.
    fn through_portal(&self, index: usize, purpose: Purpose, cx: &Context) -> Option<Reply> {
        let preferred = &cx.settings.portal.as_ref()?.preferred;
        let (account, access) = self.view.nodes[index].account()?;
        if !access.is_blocked() {
            return None;
        }
        let roles = cx.portal.of(&account.id)?;
        Some(match crate::model::portal::choose_role(roles, None, preferred) {
            Ok(role) => Reply {
                toast: Some(format!("switching into {} through Identity Center as {role}…", account.name)),
                effects: vec![Effect::Run(Job::PortalSwitch {
                    purpose,
                    account_id: account.id.clone(),
                    account_name: account.name.clone(),
                    role: role.clone(),
                })],
                ..Reply::default()
            },
            Err(_) => Reply::overlay(super::Overlay::ChooseRole(Box::new(super::portal::RolePick {
                purpose,
                account_id: account.id.clone(),
                account_name: account.name.clone(),
                roles: roles.to_vec(),
                selected: 0,
            }))),
        })
    }

    /// `c`: the selected account's AWS error, in its visible form.
    fn copy_error(&self) -> Reply {
        let found = self.view.selected_node().and_then(|node| {
            let (account, access) = node.account()?;
            let message = access.outcome()?.message.as_ref()?;
            Some(Effect::copy(message.to_string(), format!("the AWS error for {}", account.name)))
        });
        found.map_or_else(|| Reply::toast("nothing to copy: no failure reason or error here"), Reply::effect)
    }

    fn copy_arn(&self, cx: &Context) -> Reply {
        let arn = self.view.selected_node().and_then(|node| {
            let (account, _) = node.account()?;
            let org = cx.org?;
            let partition = CallerContext::of(org).partition().to_string();
            let info = &org.organization;
            let arn = format!(
                "arn:{partition}:organizations::{}:account/{}/{}",
                info.management_account_id, info.id, account.id
            );
            Some(Effect::copy(arn, format!("the ARN of {}", account.name)))
        });
        arn.map_or_else(|| Reply::toast("select an account to copy its ARN"), Reply::effect)
    }

    /// The template that fixes the selection: the StackSet for an OU or root, the trust policy for
    /// an account the role is missing from, the scanner policy when the caller lacks permission.
    /// `F`: the cause, its evidence and the repair in a confirmation popup, or why there is none.
    fn confirm_fix(&self, cx: &Context) -> Reply {
        use crate::remedy::repair::{self, Action};
        if let Some(refusal) = cx.settings.refuse_offline("fix accounts") {
            return Reply::toast(refusal);
        }
        let Some(index) = self.view.selected_index() else { return Reply::default() };
        let Some((account, access)) = self.view.nodes[index].account() else {
            return Reply::toast("select a blocked account to fix it");
        };
        let Some(outcome) = access.outcome().filter(|o| o.status == crate::model::ProbeStatus::Blocked) else {
            return Reply::toast(format!("{} is not blocked: there is nothing to fix", account.name));
        };
        let Some(cause) = outcome.cause else {
            return Reply::toast("no cause is known here: the Fix in the detail pane says what to do");
        };
        let (Some(org), Some(target)) = (cx.org, self.view.probe_targets(index).into_iter().next()) else {
            return Reply::default();
        };
        let caller = CallerContext::of(org);
        let evidence = outcome.evidence.as_deref();
        // The trust policy is read again when the repair runs; here the plan is said in words.
        let action = repair::action_for(cause);
        let role = crate::text::visible(outcome.role_arn.as_deref().unwrap_or_default()).into_owned();
        let via = evidence.and_then(|e| e.read_via.as_ref()).map(|v| v.to_string()).unwrap_or_default();
        let what = match action {
            Action::CreateRole => format!(
                "Create {role}\ntrusting your account {} (any of its principals it allows),\nwith {} attached.",
                caller.account,
                repair::ACCESS_POLICY_ARN
            ),
            Action::UpdateTrust => format!(
                "Add a statement to the trust policy of {role}\nletting your account {} assume it (its other statements stay).",
                caller.account
            ),
            Action::StackInstance | Action::None => {
                let why = repair::refusal(cause, evidence).unwrap_or_default();
                return Reply::toast(format!("F cannot fix {}: {why}", account.name));
            }
        };
        let body = format!(
            "{} ({})\nCause: {}\n\n{what}\n\nWritten through your Identity Center sign-in ({via}), then the account is probed \
             again.\nEnter writes it, Esc does not.",
            account.name,
            account.id,
            crate::remedy::cause::describe(cause, evidence)
        );
        let job = Job::Fix { target: Box::new(target), caller, action };
        Reply::overlay(Overlay::Confirm { title: format!("Fix {}?", account.name), body, job: Box::new(job) })
    }

    fn copy_template(&self, cx: &Context) -> Reply {
        let Some(node) = self.view.selected_node() else { return Reply::default() };
        let mut role = cx.settings.probe.roles.first().cloned();
        let template = match node.account() {
            None => Some(Template::Stackset),
            Some((account, access)) => {
                let outcome = access.outcome();
                if outcome.is_some_and(|o| o.status == crate::model::ProbeStatus::Reachable) {
                    return Reply::toast(format!("{} is reachable: there is nothing to fix", account.name));
                }
                if let Some(arn) = outcome.and_then(|o| o.role_arn.as_deref()) {
                    role = arn.rsplit('/').next().map(str::to_string);
                }
                match outcome.and_then(|o| o.reason) {
                    Some(Reason::AccessDenied) => Some(Template::TrustPolicy),
                    Some(Reason::CallerNotPermitted) => Some(Template::ScannerPolicy),
                    _ => None,
                }
            }
        };
        let Some(template) = template else {
            return Reply::toast("no template fixes this: the Fix in the detail pane says what to do");
        };
        let roles = match template {
            Template::ScannerPolicy => cx.settings.probe.roles.clone(),
            _ => role.into_iter().collect(),
        };
        let values = TemplateValues {
            management_account_id: cx.org.map(|o| o.organization.management_account_id.clone()).unwrap_or_default(),
            roles,
            external_id: cx.settings.probe.external_id.clone(),
        };
        Reply::effect(Effect::copy(template.render(&values), format!("the {} template", template.name())))
    }

    /// Shows `org`, keeping what the old tree knew: folds, selection, access verdicts and the
    /// filter; `saved` verdicts (a snapshot's) win over unknown ones.
    pub fn load(&mut self, org: &Org, saved: &BTreeMap<String, ProbeOutcome>, cx: &Context) {
        let previous = (!self.view.nodes.is_empty()).then(|| std::mem::take(&mut self.view));
        let mut tree = TreeView::new(org, previous.as_ref());
        if let Some(previous) = &previous {
            for node in &previous.nodes {
                if let NodeData::Account { account, access } = &node.data {
                    tree.set_access(&account.id, access.clone());
                }
            }
        }
        for (account_id, outcome) in saved {
            tree.set_access(account_id, AccessState::Probed(outcome.clone()));
        }
        self.view = tree;
        if let Some(query) = self.filter.as_ref().map(|f| f.query.clone()) {
            let result = filter::apply(&self.view, search_index(&mut self.search, &self.view), &query, None);
            self.set_filter(Some(result));
        }
        self.view.scroll_into_view(self.height(cx));
    }

    /// Every verdict shown, for the cache.
    pub fn verdicts(&self) -> BTreeMap<String, ProbeOutcome> {
        self.view
            .nodes
            .iter()
            .filter_map(|n| {
                let (account, access) = n.account()?;
                Some((account.id.clone(), access.outcome()?.clone()))
            })
            .collect()
    }
}

/// The search index for `tree`, built when first needed and again once the tree's content changed.
fn search_index<'a>(cache: &'a mut Option<(u64, filter::SearchIndex)>, tree: &TreeView) -> &'a filter::SearchIndex {
    if cache.as_ref().is_some_and(|(content, _)| *content != tree.content()) {
        *cache = None;
    }
    &cache.get_or_insert_with(|| (tree.content(), filter::SearchIndex::new(tree))).1
}

/// What Enter says when no shell listens for the exports: printing them would only put the
/// secret on the screen.
fn no_shell_listens() -> Overlay {
    Overlay::Text {
        title: "Enter hands the credentials to the shell that started orgscope".to_string(),
        body: "No shell is listening here, and printing the credentials would only put the secret key on \
               the screen.\n\nTo have Enter set them in your shell, add orgscope's shell function to your \
               shell's rc file and open a new shell:\n  bash: eval \"$(orgscope init bash)\"\n  zsh:  eval \
               \"$(orgscope init zsh)\"\n  fish: orgscope init fish | source\nor start orgscope as \
               eval \"$(orgscope)\".\n\nFrom here: x opens a sub-shell with the credentials, y copies the \
               exports, w writes a profile."
            .to_string(),
    }
}
