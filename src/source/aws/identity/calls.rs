//! One function per Identity Center call the access map makes, each listing followed to its last
//! page through the shared pacer (sso-admin and the Identity Store share Identity Center's budget
//! of about 20 calls a second). A failure comes back as one sentence for `unavailable`.

use aws_sdk_identitystore::types::{AlternateIdentifier, MemberId, UniqueAttribute};
use aws_sdk_ssoadmin::types::{PrincipalType, ProvisioningStatus};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use super::super::AwsSource;
use super::super::pace::Api;
use super::super::paging::{PageError, collect};
use crate::model::Text;
use crate::model::identity::{Assignment, Group, Membership, PrincipalKind, User};

/// Why a call failed, as one clause, and whether AWS said the thing is not there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Failed {
    pub(super) sentence: String,
    pub(super) code: Option<String>,
}

impl Failed {
    pub(super) fn not_found(&self) -> bool {
        self.code.as_deref() == Some("ResourceNotFoundException")
    }

    pub(super) fn denied(&self) -> bool {
        matches!(self.code.as_deref(), Some("AccessDeniedException" | "AccessDenied"))
    }
}

fn failed<E: ProvideErrorMetadata + std::error::Error + 'static>(
    action: &str,
    err: &SdkError<E, HttpResponse>,
) -> Failed {
    let sentence = match err.code() {
        Some(code) => format!("{action} failed: {code}: {}", err.message().unwrap_or_default()),
        None => format!("{action} failed: {}", crate::source::aws::errors::chain(err)),
    };
    Failed { sentence, code: err.code().map(str::to_string) }
}

fn paging(action: &str, err: PageError<Failed>) -> Failed {
    match err {
        PageError::Call(failed) => failed,
        PageError::Paging(message) => Failed { sentence: format!("{action}: {message}"), code: None },
    }
}

type Listed<T> = Result<Vec<T>, Failed>;

/// The clients of one Identity Center region, and the source whose pacer they share.
pub(super) struct Ic<'a> {
    pub(super) source: &'a AwsSource,
    /// Identity Center's region.
    pub(super) region: aws_config::Region,
    pub(super) sso: aws_sdk_ssoadmin::Client,
    pub(super) store: aws_sdk_identitystore::Client,
}

impl<'a> Ic<'a> {
    pub(super) fn new(source: &'a AwsSource, sso_region: Option<&str>) -> Ic<'a> {
        let region = aws_config::Region::new(source.sso_region_for(sso_region));
        let sso = aws_sdk_ssoadmin::Client::from_conf(
            aws_sdk_ssoadmin::config::Builder::from(&source.config).region(region.clone()).build(),
        );
        let store = aws_sdk_identitystore::Client::from_conf(
            aws_sdk_identitystore::config::Builder::from(&source.config).region(region.clone()).build(),
        );
        Ic { source, region, sso, store }
    }

    pub(super) fn concurrency(&self) -> usize {
        self.source.calls.concurrency().max(1)
    }

    /// Every page of one listing: `send(token)` sends the call for a page, `items` takes a page's
    /// items and its `NextToken`; a failure is said as `action` failed.
    async fn listing<T, O, E, Fut>(
        &self,
        api: Api,
        action: &str,
        send: impl Fn(Option<String>) -> Fut,
        items: impl Fn(O) -> (Vec<T>, Option<String>),
    ) -> Listed<T>
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        Fut: std::future::Future<Output = Result<O, SdkError<E, HttpResponse>>>,
    {
        let (send, items) = (&send, &items);
        collect(|token| async move {
            let page = self.source.calls.call(api, || send(token.clone())).await.map_err(|err| failed(action, &err))?;
            Ok(items(page))
        })
        .await
        .map_err(|err| paging(action, err))
    }

    pub(super) async fn permission_sets(&self, instance: &str) -> Listed<String> {
        self.listing(
            Api::SsoAdmin,
            "sso:ListPermissionSets",
            |token| self.sso.list_permission_sets().instance_arn(instance).set_next_token(token).send(),
            |page| (page.permission_sets().to_vec(), page.next_token().map(str::to_string)),
        )
        .await
    }

    /// A permission set's name (None when it cannot be described).
    pub(super) async fn permission_set_name(&self, instance: &str, arn: &str) -> Option<Text> {
        super::super::assignments::permission_set_name(&self.source.calls, &self.sso, instance, arn).await
    }

    /// The AWS-managed policies attached to permission set `arn` (their ARNs).
    pub(super) async fn managed_policies(&self, instance: &str, arn: &str) -> Listed<String> {
        self.listing(
            Api::SsoAdmin,
            "sso:ListManagedPoliciesInPermissionSet",
            |token| {
                self.sso
                    .list_managed_policies_in_permission_set()
                    .instance_arn(instance)
                    .permission_set_arn(arn)
                    .set_next_token(token)
                    .send()
            },
            |page| {
                let arns = page.attached_managed_policies().iter().filter_map(|p| p.arn().map(str::to_string));
                (arns.collect(), page.next_token().map(str::to_string))
            },
        )
        .await
    }

    /// The customer-managed policies permission set `arn` names: (path, name).
    pub(super) async fn customer_policies(&self, instance: &str, arn: &str) -> Listed<(Option<String>, String)> {
        self.listing(
            Api::SsoAdmin,
            "sso:ListCustomerManagedPolicyReferencesInPermissionSet",
            |token| {
                self.sso
                    .list_customer_managed_policy_references_in_permission_set()
                    .instance_arn(instance)
                    .permission_set_arn(arn)
                    .set_next_token(token)
                    .send()
            },
            |page| {
                let refs = page
                    .customer_managed_policy_references()
                    .iter()
                    .map(|r| (r.path().map(str::to_string), r.name().to_string()));
                (refs.collect(), page.next_token().map(str::to_string))
            },
        )
        .await
    }

    /// Permission set `arn`'s inline policy, None when it has none.
    pub(super) async fn inline_policy(&self, instance: &str, arn: &str) -> Result<Option<String>, Failed> {
        let answer = self
            .source
            .calls
            .call(Api::SsoAdmin, || {
                self.sso.get_inline_policy_for_permission_set().instance_arn(instance).permission_set_arn(arn).send()
            })
            .await
            .map_err(|err| failed("sso:GetInlinePolicyForPermissionSet", &err))?;
        Ok(answer.inline_policy().filter(|p| !p.trim().is_empty()).map(str::to_string))
    }

    /// Permission set `arn`'s permissions boundary, None when it has none.
    pub(super) async fn boundary(&self, instance: &str, arn: &str) -> Result<Option<super::meaning::Boundary>, Failed> {
        use super::meaning::Boundary;
        let answer = self
            .source
            .calls
            .call(Api::SsoAdmin, || {
                self.sso
                    .get_permissions_boundary_for_permission_set()
                    .instance_arn(instance)
                    .permission_set_arn(arn)
                    .send()
            })
            .await;
        let answer = match answer {
            Ok(answer) => answer,
            Err(err) => {
                let failed = failed("sso:GetPermissionsBoundaryForPermissionSet", &err);
                return if failed.not_found() { Ok(None) } else { Err(failed) };
            }
        };
        let Some(boundary) = answer.permissions_boundary() else { return Ok(None) };
        if let Some(arn) = boundary.managed_policy_arn() {
            return Ok(Some(Boundary::Managed(arn.to_string())));
        }
        Ok(boundary
            .customer_managed_policy_reference()
            .map(|r| Boundary::Customer(r.path().map(str::to_string), r.name().to_string())))
    }

    /// Permission set `arn`'s session duration (ISO 8601), None when AWS says none.
    pub(super) async fn session_duration(&self, instance: &str, arn: &str) -> Result<Option<String>, Failed> {
        let answer = self
            .source
            .calls
            .call(Api::SsoAdmin, || {
                self.sso.describe_permission_set().instance_arn(instance).permission_set_arn(arn).send()
            })
            .await
            .map_err(|err| failed("sso:DescribePermissionSet", &err))?;
        Ok(answer.permission_set().and_then(|p| p.session_duration()).map(str::to_string))
    }

    /// The accounts `arn` is provisioned to at its latest version (`current`) or not.
    pub(super) async fn provisioned_accounts(&self, instance: &str, arn: &str, current: bool) -> Listed<String> {
        self.listing(
            Api::SsoAdmin,
            "sso:ListAccountsForProvisionedPermissionSet",
            |token| {
                self.sso
                    .list_accounts_for_provisioned_permission_set()
                    .instance_arn(instance)
                    .permission_set_arn(arn)
                    .provisioning_status(provisioning(current))
                    .set_next_token(token)
                    .send()
            },
            |page| (page.account_ids().to_vec(), page.next_token().map(str::to_string)),
        )
        .await
    }

    /// The permission sets provisioned to `account` at their latest version (`current`) or not.
    pub(super) async fn provisioned_sets(&self, instance: &str, account: &str, current: bool) -> Listed<String> {
        self.listing(
            Api::SsoAdmin,
            &format!("sso:ListPermissionSetsProvisionedToAccount for account {account}"),
            |token| {
                self.sso
                    .list_permission_sets_provisioned_to_account()
                    .instance_arn(instance)
                    .account_id(account)
                    .provisioning_status(provisioning(current))
                    .set_next_token(token)
                    .send()
            },
            |page| (page.permission_sets().to_vec(), page.next_token().map(str::to_string)),
        )
        .await
    }

    /// The assignments of one (account, permission set) pair.
    pub(super) async fn pair_assignments(&self, instance: &str, account: &str, arn: &str) -> Listed<Assignment> {
        self.listing(
            Api::SsoAdmin,
            &format!("sso:ListAccountAssignments for account {account}"),
            |token| {
                self.sso
                    .list_account_assignments()
                    .instance_arn(instance)
                    .account_id(account)
                    .permission_set_arn(arn)
                    .set_next_token(token)
                    .send()
            },
            |page| {
                let rows = page.account_assignments().iter().filter_map(|a| {
                    Some(Assignment {
                        account_id: a.account_id().unwrap_or(account).into(),
                        permission_set_arn: a.permission_set_arn().unwrap_or(arn).into(),
                        principal_type: PrincipalKind::parse(a.principal_type()?.as_str())?,
                        principal_id: a.principal_id()?.into(),
                    })
                });
                (rows.collect(), page.next_token().map(str::to_string))
            },
        )
        .await
    }

    /// Every assignment of one user or group (`kind` `USER` or `GROUP`), in every account.
    pub(super) async fn principal_assignments(&self, instance: &str, kind: &str, id: &str) -> Listed<Assignment> {
        self.listing(
            Api::SsoAdmin,
            &format!("sso:ListAccountAssignmentsForPrincipal for {} {id}", kind.to_lowercase()),
            |token| {
                self.sso
                    .list_account_assignments_for_principal()
                    .instance_arn(instance)
                    .principal_type(PrincipalType::from(kind))
                    .principal_id(id)
                    .set_next_token(token)
                    .send()
            },
            |page| {
                let rows = page.account_assignments().iter().filter_map(|a| {
                    Some(Assignment {
                        account_id: a.account_id()?.into(),
                        permission_set_arn: a.permission_set_arn()?.into(),
                        principal_type: PrincipalKind::parse(a.principal_type().map_or(kind, |t| t.as_str()))?,
                        principal_id: a.principal_id().unwrap_or(id).into(),
                    })
                });
                (rows.collect(), page.next_token().map(str::to_string))
            },
        )
        .await
    }

    pub(super) async fn users(&self, store: &str) -> Listed<User> {
        self.listing(
            Api::IdentityStore,
            "identitystore:ListUsers",
            |token| self.store.list_users().identity_store_id(store).set_next_token(token).send(),
            |page| (page.users().iter().map(user).collect(), page.next_token().map(str::to_string)),
        )
        .await
    }

    pub(super) async fn groups(&self, store: &str) -> Listed<Group> {
        self.listing(
            Api::IdentityStore,
            "identitystore:ListGroups",
            |token| self.store.list_groups().identity_store_id(store).set_next_token(token).send(),
            |page| {
                let groups = page
                    .groups()
                    .iter()
                    .map(|g| Group { id: g.group_id().into(), display_name: g.display_name().map(Text::from) });
                (groups.collect(), page.next_token().map(str::to_string))
            },
        )
        .await
    }

    /// The members of one group.
    pub(super) async fn group_members(&self, store: &str, group: &str) -> Listed<Membership> {
        self.listing(
            Api::IdentityStore,
            &format!("identitystore:ListGroupMemberships for group {group}"),
            |token| {
                self.store
                    .list_group_memberships()
                    .identity_store_id(store)
                    .group_id(group)
                    .set_next_token(token)
                    .send()
            },
            |page| {
                let rows = page.group_memberships().iter().filter_map(|m| membership(m, group));
                (rows.collect(), page.next_token().map(str::to_string))
            },
        )
        .await
    }

    /// The groups one user belongs to.
    pub(super) async fn member_of(&self, store: &str, user: &str) -> Listed<Membership> {
        self.listing(
            Api::IdentityStore,
            "identitystore:ListGroupMembershipsForMember",
            |token| {
                self.store
                    .list_group_memberships_for_member()
                    .identity_store_id(store)
                    .member_id(MemberId::UserId(user.to_string()))
                    .set_next_token(token)
                    .send()
            },
            |page| {
                let rows = page.group_memberships().iter().filter_map(|m| membership(m, m.group_id()?));
                (rows.collect(), page.next_token().map(str::to_string))
            },
        )
        .await
    }

    pub(super) async fn describe_user(&self, store: &str, id: &str) -> Result<User, Failed> {
        let user = self
            .source
            .calls
            .call(Api::IdentityStore, || self.store.describe_user().identity_store_id(store).user_id(id).send())
            .await
            .map_err(|err| failed("identitystore:DescribeUser", &err))?;
        Ok(User {
            id: user.user_id().into(),
            user_name: user.user_name().map(Text::from),
            display_name: user.display_name().map(Text::from),
            emails: user.emails().iter().filter_map(|e| e.value()).map(Text::from).collect(),
        })
    }

    pub(super) async fn describe_group(&self, store: &str, id: &str) -> Result<Group, Failed> {
        let group = self
            .source
            .calls
            .call(Api::IdentityStore, || self.store.describe_group().identity_store_id(store).group_id(id).send())
            .await
            .map_err(|err| failed("identitystore:DescribeGroup", &err))?;
        Ok(Group { id: group.group_id().into(), display_name: group.display_name().map(Text::from) })
    }

    /// The id of the user whose unique attribute `path` (`userName`, `emails.value`) is `value`.
    pub(super) async fn user_id(&self, store: &str, path: &str, value: &str) -> Result<String, Failed> {
        let key = unique(path, value);
        let found = self
            .source
            .calls
            .call(Api::IdentityStore, || {
                self.store.get_user_id().identity_store_id(store).set_alternate_identifier(key.clone()).send()
            })
            .await
            .map_err(|err| failed("identitystore:GetUserId", &err))?;
        Ok(found.user_id().to_string())
    }

    /// The id of the group whose display name is `value`.
    pub(super) async fn group_id(&self, store: &str, value: &str) -> Result<String, Failed> {
        let key = unique("displayName", value);
        let found = self
            .source
            .calls
            .call(Api::IdentityStore, || {
                self.store.get_group_id().identity_store_id(store).set_alternate_identifier(key.clone()).send()
            })
            .await
            .map_err(|err| failed("identitystore:GetGroupId", &err))?;
        Ok(found.group_id().to_string())
    }
}

fn user(u: &aws_sdk_identitystore::types::User) -> User {
    User {
        id: u.user_id().into(),
        user_name: u.user_name().map(Text::from),
        display_name: u.display_name().map(Text::from),
        emails: u.emails().iter().filter_map(|e| e.value()).map(Text::from).collect(),
    }
}

fn provisioning(current: bool) -> ProvisioningStatus {
    if current {
        ProvisioningStatus::LatestPermissionSetProvisioned
    } else {
        ProvisioningStatus::LatestPermissionSetNotProvisioned
    }
}

fn membership(m: &aws_sdk_identitystore::types::GroupMembership, group: &str) -> Option<Membership> {
    let user = m.member_id()?.as_user_id().ok()?;
    Some(Membership {
        group_id: group.into(),
        user_id: user.as_str().into(),
        membership_id: m.membership_id().map(Text::from),
    })
}

fn unique(path: &str, value: &str) -> Option<AlternateIdentifier> {
    let attribute = UniqueAttribute::builder()
        .attribute_path(path)
        .attribute_value(aws_smithy_types::Document::String(value.to_string()))
        .build()
        .ok()?;
    Some(AlternateIdentifier::UniqueAttribute(attribute))
}
