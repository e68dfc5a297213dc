{{/* Chart name, shortened to fit DNS label limits. */}}
{{- define "seccomp-defaulter.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full resource name: <release>-<chart> unless the release already names the chart. */}}
{{- define "seccomp-defaulter.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "seccomp-defaulter.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "seccomp-defaulter.selectorLabels" -}}
app.kubernetes.io/name: {{ include "seccomp-defaulter.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "seccomp-defaulter.labels" -}}
helm.sh/chart: {{ include "seccomp-defaulter.chart" . }}
{{ include "seccomp-defaulter.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/component: admission-webhook
{{- end }}

{{- define "seccomp-defaulter.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "seccomp-defaulter.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
Secret holding the serving certificate. The two TLS modes use different
default names so that switching between them never has Helm delete the Secret
cert-manager has just written (or the other way round).
*/}}
{{- define "seccomp-defaulter.tlsSecretName" -}}
{{- $suffix := ternary "serving-cert" "tls" .Values.certManager.enabled }}
{{- default (printf "%s-%s" (include "seccomp-defaulter.fullname" .) $suffix) .Values.tls.secretName }}
{{- end }}

{{/* DNS name the API server uses: <service>.<namespace>.svc */}}
{{- define "seccomp-defaulter.serviceHost" -}}
{{- printf "%s.%s.svc" (include "seccomp-defaulter.fullname" .) .Release.Namespace }}
{{- end }}

{{- define "seccomp-defaulter.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* host:port for the server flags; IPv6 hosts are given bracketed ("[::]"). */}}
{{- define "seccomp-defaulter.addr" -}}
{{- printf "%s:%d" .host (int .port) }}
{{- end }}

{{/*
The policy file (§7) as JSON, from .Values.policy: only the keys the
core knows. The webhook's ConfigMap holds it; in admissionPolicy mode it must
equal the policy the generated admission policy was made from.
*/}}
{{- define "seccomp-defaulter.policy" -}}
{{- $p := .Values.policy }}
{{- $profile := dict "type" $p.defaultProfile.type }}
{{- if eq $p.defaultProfile.type "Localhost" }}
{{- $_ := set $profile "localhostProfile" $p.defaultProfile.localhostProfile }}
{{- end }}
{{- $kinds := list }}
{{- range $p.customKinds }}
{{- $kinds = append $kinds (dict "apiVersion" .apiVersion "kind" .kind "resource" .resource "podSpecPointer" .podSpecPointer) }}
{{- end }}
{{- dict "defaultProfile" $profile "migrateAnnotations" $p.migrateAnnotations "keepAnnotations" $p.keepAnnotations "unconfined" $p.unconfined "skipAnnotation" $p.skipAnnotation "customKinds" $kinds | toJson }}
{{- end }}

{{/*
The namespaceSelector and objectSelector of both modes (the webhook
configuration and the admission policy bindings): kube-system and the release
namespace are always excluded, then webhook.excludeNamespaces, the opt-out
label and the extra expressions.
*/}}
{{- define "seccomp-defaulter.namespaceSelector" -}}
{{- $excluded := concat (list "kube-system" .Release.Namespace) .Values.webhook.excludeNamespaces | uniq }}
matchExpressions:
  # kube-system and the release namespace are always excluded.
  - key: kubernetes.io/metadata.name
    operator: NotIn
    values:
      {{- toYaml $excluded | nindent 6 }}
  - key: {{ .Values.webhook.optOutLabel }}
    operator: NotIn
    values: ["true"]
  {{- with .Values.webhook.namespaceSelectorExpressions }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
{{- end }}

{{- define "seccomp-defaulter.objectSelector" -}}
matchExpressions:
  - key: {{ .Values.webhook.optOutLabel }}
    operator: NotIn
    values: ["true"]
  {{- with .Values.webhook.objectSelectorExpressions }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
{{- end }}
