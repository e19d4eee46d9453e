using 'main.bicep'

param environmentName = 'dev'
param maximumInstanceCount = 10
param instanceMemoryMB = 2048
// The rail's sandbox base URL; the built-in simulator cannot run in Azure (the package folder is read-only).
param paymentRailUrl = readEnvironmentVariable('RURALLOANS_PAYMENT_RAIL_URL')
param historyRetentionDays = 90
// Second deployment, after the first publish: --parameters subscribeBlobEvents=true
param subscribeBlobEvents = false
