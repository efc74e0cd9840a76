{{/* Names and labels shared by every resource. */}}
{{- define "tagbridge.fullname" -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "tagbridge.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "tagbridge.labels" -}}
{{ include "tagbridge.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "tagbridge.secretName" -}}
{{- if .Values.secrets.existingSecret -}}
{{- .Values.secrets.existingSecret -}}
{{- else -}}
{{- include "tagbridge.fullname" . -}}
{{- end -}}
{{- end -}}

{{- define "tagbridge.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/*
The environment of every Tagbridge container: the plain settings from .Values.config, the secrets by
reference (optional ones may be missing from the Secret), the ports and DATA_DIR the image expects.
*/}}
{{- define "tagbridge.env" -}}
- name: PORT
  value: "8080"
- name: DATA_DIR
  value: /data
{{- if .Values.metrics.port }}
- name: METRICS_PORT
  value: {{ .Values.metrics.port | quote }}
{{- end }}
{{- range $name, $value := .Values.config }}
{{- if $value }}
- name: {{ $name }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- end }}
{{- range $key := list "ENCRYPTION_KEY" "DATABASE_URL" "REDIS_URL" }}
- name: {{ $key }}
  valueFrom:
    secretKeyRef:
      name: {{ include "tagbridge.secretName" $ }}
      key: {{ $key }}
{{- end }}
{{- range $key := list "ENCRYPTION_KEYS_PREVIOUS" "SMTP_URL" "METRICS_TOKEN" }}
- name: {{ $key }}
  valueFrom:
    secretKeyRef:
      name: {{ include "tagbridge.secretName" $ }}
      key: {{ $key }}
      optional: true
{{- end }}
{{- end -}}

{{/* Pod annotations: a new Secret rolls the pods; Prometheus finds the metrics port. */}}
{{- define "tagbridge.podAnnotations" -}}
checksum/secret: {{ include (print $.Template.BasePath "/secret.yaml") . | sha256sum }}
{{- if and .Values.metrics.port .Values.metrics.podAnnotations }}
prometheus.io/scrape: "true"
prometheus.io/port: {{ .Values.metrics.port | quote }}
prometheus.io/path: /metrics
{{- end }}
{{- end -}}

{{/* The probes of both roles: /health answers 200 while the database answers. */}}
{{- define "tagbridge.probes" -}}
startupProbe:
  httpGet:
    path: /health
    port: http
  periodSeconds: 2
  failureThreshold: 30
readinessProbe:
  httpGet:
    path: /health
    port: http
  periodSeconds: 5
  timeoutSeconds: 3
  failureThreshold: 2
# Generous: /health also fails while the database is away, and restarting every node then helps nobody.
livenessProbe:
  httpGet:
    path: /health
    port: http
  periodSeconds: 10
  timeoutSeconds: 5
  failureThreshold: 6
{{- end -}}

{{- define "tagbridge.ports" -}}
- name: http
  containerPort: 8080
  protocol: TCP
{{- if .Values.metrics.port }}
- name: metrics
  containerPort: {{ .Values.metrics.port }}
  protocol: TCP
{{- end }}
{{- end -}}

{{/* Writable places on a read-only root: DATA_DIR (mail files without SMTP_URL) and /tmp. */}}
{{- define "tagbridge.volumeMounts" -}}
- name: data
  mountPath: /data
- name: tmp
  mountPath: /tmp
{{- end -}}

{{- define "tagbridge.volumes" -}}
- name: data
  emptyDir: {}
- name: tmp
  emptyDir:
    medium: Memory
    sizeLimit: 64Mi
{{- end -}}
