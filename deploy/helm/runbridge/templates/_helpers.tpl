{{/* The release's name for every object, at most 63 characters (a DNS label). */}}
{{- define "runbridge.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "runbridge.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "runbridge.selectorLabels" -}}
app.kubernetes.io/name: {{ include "runbridge.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "runbridge.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "runbridge.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "runbridge.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "runbridge.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "runbridge.secretName" -}}
{{- default (include "runbridge.fullname" .) .Values.secrets.name -}}
{{- end -}}

{{/* PostgreSQL is in use (and so a Deployment with replicas) when either database value is set. */}}
{{- define "runbridge.usesDatabase" -}}
{{- if or .Values.database.url .Values.database.existingSecret -}}true{{- end -}}
{{- end -}}

{{- define "runbridge.databaseSecretName" -}}
{{- default (printf "%s-database" (include "runbridge.fullname" .)) .Values.database.existingSecret -}}
{{- end -}}

{{/* The pod, the same for the StatefulSet (SQLite) and the Deployment (PostgreSQL). */}}
{{- define "runbridge.podTemplate" -}}
metadata:
  labels:
    {{- include "runbridge.selectorLabels" . | nindent 4 }}
    {{- with .Values.podLabels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  annotations:
    # A changed ConfigMap restarts the pods, so a new setting takes effect.
    checksum/config: {{ include (print $.Template.BasePath "/configmap.yaml") . | sha256sum }}
    {{- with .Values.podAnnotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  serviceAccountName: {{ include "runbridge.serviceAccountName" . }}
  # The bridge calls GitHub with its own credentials, never the Kubernetes API.
  automountServiceAccountToken: false
  {{- with .Values.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  securityContext:
    {{- toYaml .Values.podSecurityContext | nindent 4 }}
  # SIGTERM: the bridge finishes the request in flight and the outbox turn, then exits.
  terminationGracePeriodSeconds: 30
  containers:
    - name: runbridge
      image: "{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"
      imagePullPolicy: {{ .Values.image.pullPolicy }}
      ports:
        - name: http
          containerPort: 9009
          protocol: TCP
      envFrom:
        - configMapRef:
            name: {{ include "runbridge.fullname" . }}
      env:
        {{- range $variable, $key := .Values.secrets.keys }}
        {{- if $key }}
        - name: {{ $variable }}
          valueFrom:
            secretKeyRef:
              name: {{ include "runbridge.secretName" $ }}
              key: {{ $key }}
              optional: {{ ne $variable "RUNBRIDGE_ALERTMANAGER_TOKEN" }}
        {{- end }}
        {{- end }}
        {{- if include "runbridge.usesDatabase" . }}
        - name: RUNBRIDGE_DATABASE_URL
          valueFrom:
            secretKeyRef:
              name: {{ include "runbridge.databaseSecretName" . }}
              key: {{ .Values.database.existingSecretKey }}
        {{- end }}
      {{- with .Values.livenessProbe }}
      livenessProbe:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .Values.readinessProbe }}
      readinessProbe:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .Values.startupProbe }}
      startupProbe:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      resources:
        {{- toYaml .Values.resources | nindent 8 }}
      securityContext:
        {{- toYaml .Values.securityContext | nindent 8 }}
      volumeMounts:
        # The root filesystem is read-only; Node and SQLite may still want a scratch directory.
        - name: tmp
          mountPath: /tmp
        {{- if not (include "runbridge.usesDatabase" .) }}
        - name: data
          mountPath: /data
        {{- end }}
        {{- if .Values.runbooks.existingConfigMap }}
        - name: runbooks
          mountPath: /app/runbooks
          readOnly: true
        {{- end }}
  volumes:
    - name: tmp
      emptyDir:
        sizeLimit: 64Mi
    {{- if .Values.runbooks.existingConfigMap }}
    - name: runbooks
      configMap:
        name: {{ .Values.runbooks.existingConfigMap }}
    {{- end }}
  {{- with .Values.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.affinity }}
  affinity:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.topologySpreadConstraints }}
  topologySpreadConstraints:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end -}}
