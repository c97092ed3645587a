{{/* Common labels. */}}
{{- define "coffer.labels" -}}
app.kubernetes.io/part-of: coffer
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Pod labels of the operator; the sealed-secrets-controller Service selects on them. */}}
{{- define "coffer.operator.selector" -}}
app.kubernetes.io/name: coffer-operator
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "coffer.server.selector" -}}
app.kubernetes.io/name: coffer-server
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "coffer.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{/* The restricted Pod Security Standard, container level. */}}
{{- define "coffer.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
runAsUser: 1000
runAsGroup: 1000
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "coffer.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 1000
runAsGroup: 1000
fsGroup: 1000
seccompProfile:
  type: RuntimeDefault
{{- end -}}
