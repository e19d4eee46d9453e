// RuralLoans on Azure: a Flex Consumption Function App (.NET isolated worker, src/RuralLoans.Functions) with a
// system-assigned managed identity, and everything it reads, reached by identity (no account keys in settings). The
// Durable extension creates the task hub's own queues, tables and containers at start from TaskHubName; the names the
// product itself uses (blob containers, inbox functions, Cosmos containers) are in app-contract.json, which a test
// (tests/RuralLoans.Host.Tests/Infra) holds equal to the code.
targetScope = 'resourceGroup'

@description('Short product name used in every resource name.')
@minLength(3)
@maxLength(11)
param baseName string = 'ruralloans'

@description('dev or prod; part of every resource name.')
@allowed([
  'dev'
  'prod'
])
param environmentName string

@description('Azure region of every resource.')
param location string = resourceGroup().location

@description('Most instances the scale controller may run at once (the engine stays correct at any count).')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int

@description('Memory per instance in MB (Flex Consumption sizes).')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Base URL of the payout rail (https).')
@minLength(8)
param paymentRailUrl string

@description('Days a finished application history is kept before housekeeping purges it; 0 keeps it for ever.')
@minValue(0)
param historyRetentionDays int

@description('How long an idle task hub queue waits between polls (host.json durableTask maxQueuePollingInterval, hh:mm:ss). Each poll is a billed storage request: see docs/deploy.md for the cost per setting.')
param durableMaxQueuePollingInterval string

@description('Instances kept warm for the Durable functions (orchestrator and activities). 0 lets the app scale to zero: no idle polling is billed, but the first step after a quiet spell waits for an instance to start.')
@minValue(0)
param durableAlwaysReadyInstances int

@description('Token issuer for the API (Entra ID), e.g. https://login.microsoftonline.com/<tenant>/v2.0. Development tokens are never accepted in Azure.')
@minLength(8)
param authAuthority string

@description('The API\'s application id URI or client id, as tokens carry it in aud.')
@minLength(3)
param authAudience string

@description('Secret key (base64 of at least 32 random bytes, e.g. openssl rand -base64 32) the app recognises borrowers by: an HMAC of the resident ID. Keep it stable across deployments: a new key makes every stored borrower unrecognisable.')
@secure()
@minLength(44)
param residentIdHashKey string

@description('Create the Event Grid subscriptions that deliver blob drops. Needs the published app (its blobs_extension key): deploy once with false, publish, then deploy again with true.')
param subscribeBlobEvents bool = false

var contract = loadJsonContent('app-contract.json')
var suffix = uniqueString(resourceGroup().id, baseName, environmentName)
var appName = '${baseName}-${environmentName}-${take(suffix, 6)}'
var storageName = take('${baseName}${environmentName}${suffix}', 24)
var deploymentContainer = 'app-package'

// Built-in role definition ids (the same in every tenant).
var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  cognitiveServicesUser: 'a97b65f3-24c7-4388-baec-2e87135dc908'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
}
// Cosmos DB Built-in Data Contributor: read and write items, nothing on the account itself.
var cosmosDataContributor = '00000000-0000-0000-0000-000000000002'

resource logs 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: '${appName}-logs'
  location: location
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: 30
  }
}

resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: '${appName}-insights'
  location: location
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logs.id
    DisableLocalAuth: true
  }
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: storageName
  location: location
  kind: 'StorageV2'
  sku: {
    name: environmentName == 'prod' ? 'Standard_ZRS' : 'Standard_LRS'
  }
  properties: {
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    defaultToOAuthAuthentication: true
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource containers 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = [
  for name in concat(contract.blobContainers, [deploymentContainer]): {
    parent: blobService
    name: name
  }
]

// The audit journal is append-only by design; a time-based retention (WORM) policy makes it so for everyone, the app's
// identity and the account's owners included. Protected append writes let the app keep appending to its blobs.
resource auditJournal 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: contract.auditJournalContainer
}

resource auditJournalRetention 'Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies@2023-05-01' = {
  parent: auditJournal
  name: 'default'
  properties: {
    immutabilityPeriodSinceCreationInDays: historyRetentionDays == 0 ? 146000 : historyRetentionDays
    allowProtectedAppendWrites: true
  }
}


resource cosmos 'Microsoft.DocumentDB/databaseAccounts@2024-11-15' = {
  name: '${appName}-cosmos'
  location: location
  kind: 'GlobalDocumentDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    capabilities: [
      {
        name: 'EnableServerless'
      }
    ]
    consistencyPolicy: {
      defaultConsistencyLevel: 'Session'
    }
    locations: [
      {
        locationName: location
        failoverPriority: 0
      }
    ]
    disableLocalAuth: true
  }
}

resource cosmosDatabase 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2024-11-15' = {
  parent: cosmos
  name: contract.cosmosDatabase
  properties: {
    resource: {
      id: contract.cosmosDatabase
    }
  }
}

// No defaultTtl: documents never expire on their own (they are the audit trail).
resource cosmosContainers 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2024-11-15' = [
  for container in contract.cosmosContainers: {
    parent: cosmosDatabase
    name: container.name
    properties: {
      resource: {
        id: container.name
        partitionKey: {
          paths: [
            container.partitionKey
          ]
          kind: 'Hash'
        }
      }
    }
  }
]

resource documentIntelligence 'Microsoft.CognitiveServices/accounts@2024-10-01' = {
  name: '${appName}-docintel'
  location: location
  kind: 'FormRecognizer'
  sku: {
    name: 'S0'
  }
  properties: {
    customSubDomainName: '${appName}-docintel'
    publicNetworkAccess: 'Enabled'
  }
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: take('kv-${baseName}-${environmentName}-${suffix}', 24)
  location: location
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    enablePurgeProtection: environmentName == 'prod' ? true : null
  }
}

// The OCR adapter authenticates with a key; it lives only here and reaches the app as a Key Vault reference.
resource documentIntelligenceKey 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'DocumentIntelligenceKey'
  properties: {
    value: documentIntelligence.listKeys().key1
  }
}

// The resident-ID hash key reaches the app only as a Key Vault reference, like the OCR key.
resource residentIdHashKeySecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'ResidentIdHashKey'
  properties: {
    value: residentIdHashKey
  }
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: '${appName}-plan'
  location: location
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true
  }
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: appName
  location: location
  kind: 'functionapp,linux'
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainer}'
          authentication: {
            type: 'SystemAssignedIdentity'
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
        alwaysReady: durableAlwaysReadyInstances == 0
          ? []
          : [
              {
                name: 'durable'
                instanceCount: durableAlwaysReadyInstances
              }
            ]
      }
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      appSettings: [
        // The Functions host and the engine share one identity-based storage connection.
        {
          name: 'AzureWebJobsStorage__blobServiceUri'
          value: storage.properties.primaryEndpoints.blob
        }
        {
          name: 'AzureWebJobsStorage__queueServiceUri'
          value: storage.properties.primaryEndpoints.queue
        }
        {
          name: 'AzureWebJobsStorage__tableServiceUri'
          value: storage.properties.primaryEndpoints.table
        }
        {
          name: 'AzureWebJobsStorage__credential'
          value: 'managedidentity'
        }
        {
          name: 'CosmosDbConnection__accountEndpoint'
          value: cosmos.properties.documentEndpoint
        }
        {
          name: 'CosmosDbConnection__credential'
          value: 'managedidentity'
        }
        {
          name: 'CosmosDbDatabase'
          value: contract.cosmosDatabase
        }
        {
          name: 'TaskHubName'
          value: contract.taskHubName
        }
        // Overrides host.json's value per environment, the one provider setting whose best value differs between them.
        {
          name: 'AzureFunctionsJobHost__extensions__durableTask__storageProvider__maxQueuePollingInterval'
          value: durableMaxQueuePollingInterval
        }
        {
          name: 'Auth__Authority'
          value: authAuthority
        }
        {
          name: 'Auth__Audience'
          value: authAudience
        }
        {
          name: 'OcrEngine'
          value: 'documentintelligence'
        }
        {
          name: 'DocumentIntelligenceEndpoint'
          value: documentIntelligence.properties.endpoint
        }
        {
          name: 'DocumentIntelligenceKey'
          value: '@Microsoft.KeyVault(SecretUri=${documentIntelligenceKey.properties.secretUri})'
        }
        {
          name: 'ResidentIdHashKey'
          value: '@Microsoft.KeyVault(SecretUri=${residentIdHashKeySecret.properties.secretUri})'
        }
        {
          name: 'PaymentRailUrl'
          value: paymentRailUrl
        }
        {
          name: 'HistoryRetentionDays'
          value: string(historyRetentionDays)
        }
        {
          name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
          value: insights.properties.ConnectionString
        }
        {
          name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING'
          value: 'Authorization=AAD'
        }
      ]
    }
  }
}

// What the Durable Task Azure Storage provider needs on the task hub (control and work-item queues, History and
// Instances tables, lease and large-message containers), and what the inbox triggers and documents need.
var storageRoles = [
  roles.storageBlobDataOwner
  roles.storageQueueDataContributor
  roles.storageTableDataContributor
]

resource storageAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for role in storageRoles: {
    name: guid(storage.id, functionApp.id, role)
    scope: storage
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
      principalId: functionApp.identity.principalId
      principalType: 'ServicePrincipal'
    }
  }
]

resource cosmosAccess 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2024-11-15' = {
  parent: cosmos
  name: guid(cosmos.id, functionApp.id, cosmosDataContributor)
  properties: {
    roleDefinitionId: '${cosmos.id}/sqlRoleDefinitions/${cosmosDataContributor}'
    principalId: functionApp.identity.principalId
    scope: cosmos.id
  }
}

resource vaultAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, functionApp.id, roles.keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
    principalId: functionApp.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

resource documentIntelligenceAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(documentIntelligence.id, functionApp.id, roles.cognitiveServicesUser)
  scope: documentIntelligence
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.cognitiveServicesUser)
    principalId: functionApp.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

resource telemetryAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(insights.id, functionApp.id, roles.monitoringMetricsPublisher)
  scope: insights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
    principalId: functionApp.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

// Flex Consumption runs only the Event Grid-sourced blob trigger: blob-created events of each partner inbox go to
// the blob extension's webhook of the function that watches that container.
resource blobEvents 'Microsoft.EventGrid/systemTopics@2022-06-15' = if (subscribeBlobEvents) {
  name: '${appName}-blob-events'
  location: location
  properties: {
    source: storage.id
    topicType: 'Microsoft.Storage.StorageAccounts'
  }
}

resource blobDropSubscriptions 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2022-06-15' = [
  for drop in contract.blobDropFunctions: if (subscribeBlobEvents) {
    parent: blobEvents
    name: toLower(replace(drop.function, '_', '-'))
    properties: {
      destination: {
        endpointType: 'WebHook'
        properties: {
          endpointUrl: 'https://${functionApp.properties.defaultHostName}/runtime/webhooks/blobs?functionName=Host.Functions.${drop.function}&code=${listKeys('${functionApp.id}/host/default', '2024-04-01').systemKeys.blobs_extension}'
        }
      }
      filter: {
        includedEventTypes: [
          'Microsoft.Storage.BlobCreated'
        ]
        subjectBeginsWith: '/blobServices/default/containers/${drop.container}/'
      }
      eventDeliverySchema: 'EventGridSchema'
    }
  }
]

output functionAppName string = functionApp.name
output functionAppUrl string = 'https://${functionApp.properties.defaultHostName}'
output storageAccountName string = storage.name
output deploymentContainerUrl string = '${storage.properties.primaryEndpoints.blob}${deploymentContainer}'
