using 'main.bicep'

param environmentName = 'prod'
param maximumInstanceCount = 100
param instanceMemoryMB = 4096
param paymentRailUrl = readEnvironmentVariable('RURALLOANS_PAYMENT_RAIL_URL')
// docs/deploy.md: idle polling cost and start latency of this choice.
param durableMaxQueuePollingInterval = '00:00:01'
param durableAlwaysReadyInstances = 1
// The API's Entra ID app registration (docs/deploy.md, step 1).
param authAuthority = readEnvironmentVariable('RURALLOANS_AUTH_AUTHORITY')
param authAudience = readEnvironmentVariable('RURALLOANS_AUTH_AUDIENCE', 'api://ruralloans')
param historyRetentionDays = 1825
// Second deployment, after the first publish: --parameters subscribeBlobEvents=true
param subscribeBlobEvents = false
// Secret: the key borrowers are recognised by (docs/deploy.md); set it from your secret store, never commit it.
param residentIdHashKey = readEnvironmentVariable('RURALLOANS_RESIDENT_ID_HASH_KEY')
