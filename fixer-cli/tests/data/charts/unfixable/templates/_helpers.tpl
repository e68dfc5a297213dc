{{- define "unfixable.podSecurityContext" -}}
runAsUser: 1000
{{- end -}}
