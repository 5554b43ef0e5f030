// Telemetry events (bus topic `telemetry`) → structured log lines.
export * from './actor'
