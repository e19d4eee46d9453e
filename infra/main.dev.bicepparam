using 'main.bicep'

param environmentName = 'dev'
param maximumInstanceCount = 10
param instanceMemoryMB = 2048
// The rail's sandbox base URL; the built-in simulator cannot run in Azure (the package folder is read-only).
param paymentRailUrl = readEnvironmentVariable('RURALLOANS_PAYMENT_RAIL_URL')
// docs/deploy.md: idle polling cost and start latency of this choice.
param durableMaxQueuePollingInterval = '00:00:05'
param durableAlwaysReadyInstances = 0
// The API's Entra ID app registration (docs/deploy.md, step 1).
param authAuthority = readEnvironmentVariable('RURALLOANS_AUTH_AUTHORITY')
param authAudience = readEnvironmentVariable('RURALLOANS_AUTH_AUDIENCE', 'api://ruralloans')
param historyRetentionDays = 90
// Second deployment, after the first publish: --parameters subscribeBlobEvents=true
param subscribeBlobEvents = false
// Secret: the key borrowers are recognised by (docs/deploy.md); set it from your secret store, never commit it.
param residentIdHashKey = readEnvironmentVariable('RURALLOANS_RESIDENT_ID_HASH_KEY')
