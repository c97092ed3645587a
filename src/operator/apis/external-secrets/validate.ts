/**
 * ESO's admission-webhook rules (apis/externalsecrets/v1/externalsecret_validator.go,
 * secretstore_validator.go, provider_schema.go, the vault provider's ValidateStore and
 * runtime/esutils ValidateReferent*Selector) as pure functions. Messages keep ESO's wording so
 * users see what ESO would have told them; an empty array means the object is accepted.
 * Schema-level checks (enums, patterns, required fields) are the CRD's job, not repeated here,
 * except "exactly one rewrite kind", which the CRD can only express as min/maxProperties.
 */
import type {
  ExternalSecret,
  ExternalSecretDataFromRemoteRef,
  ExternalSecretTemplate,
  GenericStore,
  SecretKeySelector,
  ServiceAccountSelector,
  VaultProvider,
} from './types.js';

const SA_TOKEN_TYPE = 'kubernetes.io/service-account-token';
const BOOTSTRAP_TOKEN_TYPE = 'bootstrap.kubernetes.io/token';
const SA_NAME_ANNOTATION = 'kubernetes.io/service-account.name';
const SECRET_TEMPLATE_TARGETS = ['Data', 'Annotations', 'Labels'] as const;

/** Go's nil: absent, or JSON null from a raw manifest. */
const isSet = <T>(v: T | null | undefined): v is T => v !== undefined && v !== null;

export function validateExternalSecret(es: ExternalSecret): string[] {
  const errs: string[] = [];
  const spec = es.spec ?? {};
  const target = spec.target ?? {};
  // The CRD defaults these; treat unset the same way so the function also works on raw input.
  const creation = target.creationPolicy ?? 'Owner';
  const deletion = target.deletionPolicy ?? 'Retain';

  if (deletion === 'Delete' && (creation === 'Merge' || creation === 'None' || creation === 'CreateOrMerge')) {
    errs.push("deletionPolicy=Delete must not be used when the controller doesn't own the secret. Please set creationPolicy=Owner");
  }
  if (deletion === 'Merge' && creation === 'None') {
    errs.push('deletionPolicy=Merge must not be used with creationPolicy=None. There is no Secret to merge with');
  }

  errs.push(...validatePrivilegedTemplate(target.template));
  // templateFrom targets are restricted only when the ES renders into a core/v1 Secret.
  const manifest = target.manifest;
  if (!manifest || (manifest.apiVersion === 'v1' && manifest.kind === 'Secret')) {
    errs.push(...validateSecretTemplateFromTargets(target.template));
  }

  const data = spec.data ?? [];
  const dataFrom = spec.dataFrom ?? [];
  if (data.length === 0 && dataFrom.length === 0) {
    errs.push('either data or dataFrom should be specified');
  }
  dataFrom.forEach((ref, i) => errs.push(...validateDataFrom(ref, i)));

  if (deletion === 'Retain') {
    const seen = new Set<string>();
    for (const d of data) {
      if (seen.has(d.secretKey)) errs.push(`duplicate secretKey found: ${d.secretKey}`);
      seen.add(d.secretKey);
    }
  }
  return errs;
}

function validateDataFrom(ref: ExternalSecretDataFromRemoteRef, index: number): string[] {
  const errs: string[] = [];
  const generator = isSet(ref.sourceRef?.generatorRef);
  const set = [isSet(ref.extract), isSet(ref.find), generator].filter(Boolean).length;
  if (set > 1) errs.push('extract, find, or generatorRef cannot be set at the same time');
  if (!isSet(ref.find) && !isSet(ref.extract) && !isSet(ref.sourceRef)) {
    errs.push('either extract, find, or sourceRef must be set to dataFrom');
  }
  if (isSet(ref.sourceRef) && !isSet(ref.sourceRef.generatorRef) && !isSet(ref.sourceRef.storeRef)) {
    errs.push('generatorRef or storeRef must be set when using sourceRef in dataFrom');
  }
  (ref.rewrite ?? []).forEach((rw, j) => {
    const kinds = (['merge', 'regexp', 'transform'] as const).filter((k) => isSet(rw[k]));
    if (kinds.length !== 1) {
      // Wording of the API server's min/maxProperties rejection for the same CRD constraint.
      errs.push(
        kinds.length === 0
          ? `spec.dataFrom[${index}].rewrite[${j}]: Invalid value: 0: spec.dataFrom[${index}].rewrite[${j}] in body should have at least 1 properties`
          : `spec.dataFrom[${index}].rewrite[${j}]: Too many: ${kinds.length}: must have at most 1 items`,
      );
    }
  });
  return errs;
}

/** Blocks templates that would mint long-lived tokens outside the user's RBAC. */
function validatePrivilegedTemplate(tpl: ExternalSecretTemplate | undefined): string[] {
  if (!tpl) return [];
  if (tpl.type === SA_TOKEN_TYPE) {
    if (tpl.metadata?.annotations && SA_NAME_ANNOTATION in tpl.metadata.annotations) {
      return [`template.type="${SA_TOKEN_TYPE}" with annotation "${SA_NAME_ANNOTATION}" is not allowed`];
    }
    for (const tf of tpl.templateFrom ?? []) {
      if (tf.target !== undefined && tf.target.toLowerCase() === 'annotations') {
        return [`template.type="${SA_TOKEN_TYPE}" with templateFrom target="Annotations" is not allowed`];
      }
    }
  } else if (tpl.type === BOOTSTRAP_TOKEN_TYPE) {
    return [`template.type="${BOOTSTRAP_TOKEN_TYPE}" is not allowed`];
  }
  return [];
}

function validateSecretTemplateFromTargets(tpl: ExternalSecretTemplate | undefined): string[] {
  const errs: string[] = [];
  for (const tf of tpl?.templateFrom ?? []) {
    const t = tf.target ?? '';
    if (t === '' || SECRET_TEMPLATE_TARGETS.some((ok) => ok.toLowerCase() === t.toLowerCase())) continue;
    errs.push(`templateFrom target="${t}" is not allowed when targeting a Secret, must be one of "Data", "Annotations" or "Labels"`);
  }
  return errs;
}

// ---- stores ----

const ERR_NAMESPACE_NOT_ALLOWED =
  'namespace should either be empty or match the namespace of the SecretStore for a namespaced SecretStore';

/**
 * ESO stops at the first failing stage (conditions, then provider selection, then the
 * provider's own checks); so does this.
 */
export function validateSecretStore(store: GenericStore): string[] {
  const conditionErrs = validateConditions(store);
  if (conditionErrs.length > 0) return conditionErrs;

  const provider = store.spec?.provider ?? {};
  // Go's json.Marshal drops nil pointers, so only keys with a value count.
  const names = Object.keys(provider).filter((k) => provider[k] !== undefined && provider[k] !== null);
  if (names.length !== 1) {
    return [`store error for ${store.metadata.name}: secret stores must only have exactly one backend specified, found ${names.length}`];
  }
  if (provider.vault) return validateVaultStore(store, provider.vault);
  return [];
}

function validateConditions(store: GenericStore): string[] {
  const errs: string[] = [];
  (store.spec?.conditions ?? []).forEach((cond, ci) => {
    (cond.namespaceRegexes ?? []).forEach((re, ri) => {
      try {
        // JS RegExp approximates Go RE2 here; both reject unbalanced groups and bad escapes.
        new RegExp(re);
      } catch (e) {
        const why = e instanceof Error ? e.message : String(e);
        errs.push(`failed to compile ${ri}th namespace regex in ${ci}th condition: ${why}`);
      }
    });
  });
  return errs;
}

function referentOk(store: GenericStore, ref: SecretKeySelector | ServiceAccountSelector | undefined): boolean {
  if (!ref || store.kind === 'ClusterSecretStore' || ref.namespace === undefined) return true;
  return ref.namespace === store.metadata.namespace;
}

function validateVaultStore(store: GenericStore, vault: VaultProvider): string[] {
  const errs: string[] = [];
  const check = (ref: SecretKeySelector | ServiceAccountSelector | undefined, what: string): void => {
    if (!referentOk(store, ref)) errs.push(`invalid ${what}: ${ERR_NAMESPACE_NOT_ALLOWED}`);
  };
  const auth = vault.auth ?? {};
  if (auth.appRole) {
    check(auth.appRole.secretRef, 'Auth.AppRole.SecretRef');
    if (!auth.appRole.roleId) {
      if (auth.appRole.roleRef) check(auth.appRole.roleRef, 'Auth.AppRole.RoleRef');
      else errs.push('invalid Auth.AppRole: neither `roleId` nor `roleRef` was supplied');
    }
  }
  if (auth.cert) {
    check(auth.cert.clientCert, 'Auth.Cert.ClientCert');
    check(auth.cert.secretRef, 'Auth.Cert.SecretRef');
  }
  if (auth.jwt) {
    if (auth.jwt.secretRef) check(auth.jwt.secretRef, 'Auth.Jwt.SecretRef');
    else if (auth.jwt.kubernetesServiceAccountToken) {
      check(auth.jwt.kubernetesServiceAccountToken.serviceAccountRef, 'Auth.Jwt.KubernetesServiceAccountToken.ServiceAccountRef');
    } else {
      errs.push('neither `secretRef` nor `kubernetesServiceAccountToken` was supplied as token source for jwt authentication');
    }
  }
  if (auth.kubernetes) {
    check(auth.kubernetes.serviceAccountRef, 'Auth.Kubernetes.ServiceAccountRef');
    check(auth.kubernetes.secretRef, 'Auth.Kubernetes.SecretRef');
  }
  if (auth.ldap) check(auth.ldap.secretRef, 'Auth.Ldap.SecretRef');
  if (auth.userPass) check(auth.userPass.secretRef, 'Auth.UserPass.SecretRef');
  if (auth.tokenSecretRef) check(auth.tokenSecretRef, 'Auth.TokenSecretRef');
  const tls = vault.tls ?? {};
  if (tls.certSecretRef && tls.keySecretRef) {
    check(tls.certSecretRef, 'ClientTLS.ClientCert');
    check(tls.keySecretRef, 'ClientTLS.SecretRef');
  } else if (tls.certSecretRef || tls.keySecretRef) {
    errs.push('when provided, both ClientTLS.ClientCert and ClientTLS.SecretRef should be provided');
  }
  return errs;
}
