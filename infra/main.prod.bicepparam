using 'main.bicep'

param environmentName = 'prod'
param maximumInstanceCount = 100
param instanceMemoryMB = 4096
param paymentRailUrl = readEnvironmentVariable('RURALLOANS_PAYMENT_RAIL_URL')
param historyRetentionDays = 1825
// Second deployment, after the first publish: --parameters subscribeBlobEvents=true
param subscribeBlobEvents = false
