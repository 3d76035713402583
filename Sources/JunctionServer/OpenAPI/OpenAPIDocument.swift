/// The OpenAPI 3.1 description of every route, served at `GET /openapi.json`. A test compares its paths
/// and methods with the router's, so the two cannot drift apart.
public enum OpenAPIDocument {
    /// The document as JSON text.
    public static let json = #"""
        {
          "openapi": "3.1.0",
          "info": {
            "title": "Junction management API",
            "version": "1.0.0",
            "description": "Connections to third-party services and their credentials, their providers' resources through one route, inbound webhooks and their events, outbound endpoints and messages, and the server's health. Every /api/v1 route needs `Authorization: Bearer <admin token>`. Errors are RFC 9457 problem documents (application/problem+json)."
          },
          "servers": [
            {
              "url": "http://127.0.0.1:8080"
            }
          ],
          "security": [
            {
              "adminToken": []
            }
          ],
          "paths": {
            "/health/live": {
              "get": {
                "summary": "Liveness: 200 while the process runs",
                "security": [],
                "responses": {
                  "200": {
                    "description": "Alive",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "properties": {
                            "status": {
                              "const": "live"
                            }
                          }
                        }
                      }
                    }
                  }
                }
              }
            },
            "/health/ready": {
              "get": {
                "summary": "Readiness: the database answers and the schema is current",
                "security": [],
                "responses": {
                  "200": {
                    "description": "Ready",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "properties": {
                            "status": {
                              "const": "ready"
                            },
                            "schemaVersion": {
                              "type": "string"
                            }
                          }
                        }
                      }
                    }
                  },
                  "503": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/metrics": {
              "get": {
                "summary": "Prometheus metrics: requests by route and status, latency histograms, job queue depth and age",
                "security": [],
                "responses": {
                  "200": {
                    "description": "Prometheus text exposition format",
                    "content": {
                      "text/plain": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  }
                }
              }
            },
            "/openapi.json": {
              "get": {
                "summary": "This document",
                "security": [],
                "responses": {
                  "200": {
                    "description": "OpenAPI 3.1 document",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object"
                        }
                      }
                    }
                  }
                }
              }
            },
            "/api/v1/providers": {
              "get": {
                "summary": "List the providers connections can be made to",
                "responses": {
                  "200": {
                    "description": "Providers",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "required": [
                            "data"
                          ],
                          "properties": {
                            "data": {
                              "type": "array",
                              "items": {
                                "$ref": "#/components/schemas/Provider"
                              }
                            },
                            "nextCursor": {
                              "type": [
                                "string",
                                "null"
                              ]
                            }
                          }
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/api/v1/connections": {
              "get": {
                "summary": "List connections, oldest first",
                "parameters": [
                  {
                    "name": "limit",
                    "in": "query",
                    "schema": {
                      "type": "integer",
                      "minimum": 1,
                      "maximum": 200,
                      "default": 50
                    }
                  },
                  {
                    "name": "cursor",
                    "in": "query",
                    "description": "The nextCursor of the previous page",
                    "schema": {
                      "type": "string"
                    }
                  }
                ],
                "responses": {
                  "200": {
                    "description": "A page of connections",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/ConnectionPage"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              },
              "post": {
                "summary": "Create a connection; credentials are sealed in the vault",
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/ConnectionCreate"
                      }
                    }
                  }
                },
                "responses": {
                  "201": {
                    "description": "Created",
                    "headers": {
                      "Location": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    },
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Connection"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "413": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "415": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/oauth/callback": {
              "get": {
                "summary": "Where the provider sends the user's browser back; exchanges the code and shows a page",
                "security": [],
                "parameters": [
                  {
                    "name": "state",
                    "in": "query",
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "code",
                    "in": "query",
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "error",
                    "in": "query",
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "error_description",
                    "in": "query",
                    "schema": {
                      "type": "string"
                    }
                  }
                ],
                "responses": {
                  "200": {
                    "description": "Authorized: an HTML page that says so",
                    "content": {
                      "text/html": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  },
                  "400": {
                    "description": "Denied, expired, replayed or forged: an HTML page that says which",
                    "content": {
                      "text/html": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  }
                }
              }
            },
            "/api/v1/connections/{id}/oauth/authorize": {
              "parameters": [
                {
                  "name": "id",
                  "in": "path",
                  "required": true,
                  "schema": {
                    "type": "string"
                  }
                }
              ],
              "post": {
                "summary": "Start the OAuth2 authorization code flow (PKCE, single-use state)",
                "description": "Returns the provider URL to send the user to. The state expires after 10 minutes and works once.",
                "responses": {
                  "200": {
                    "description": "The authorization URL",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "required": [
                            "authorizationUrl",
                            "expiresAt"
                          ],
                          "properties": {
                            "authorizationUrl": {
                              "type": "string",
                              "format": "uri"
                            },
                            "expiresAt": {
                              "type": "string",
                              "format": "date-time"
                            }
                          }
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/api/v1/connections/{id}/proxy/{path}": {
              "description": "Forwards to the connection's base URL with its credentials, retry, rate-limit and circuit-breaker policy. The provider's answer comes back as it is, with Junction-Attempt saying which attempt succeeded.",
              "parameters": [
                {
                  "name": "id",
                  "in": "path",
                  "required": true,
                  "schema": {
                    "type": "string"
                  }
                },
                {
                  "name": "path",
                  "in": "path",
                  "required": true,
                  "description": "The rest of the path, any number of segments",
                  "schema": {
                    "type": "string"
                  }
                }
              ],
              "get": {
                "summary": "Proxy a GET",
                "responses": {
                  "default": {
                    "$ref": "#/components/responses/Proxied"
                  }
                }
              },
              "post": {
                "summary": "Proxy a POST",
                "responses": {
                  "default": {
                    "$ref": "#/components/responses/Proxied"
                  }
                }
              },
              "put": {
                "summary": "Proxy a PUT",
                "responses": {
                  "default": {
                    "$ref": "#/components/responses/Proxied"
                  }
                }
              },
              "patch": {
                "summary": "Proxy a PATCH",
                "responses": {
                  "default": {
                    "$ref": "#/components/responses/Proxied"
                  }
                }
              },
              "delete": {
                "summary": "Proxy a DELETE",
                "responses": {
                  "default": {
                    "$ref": "#/components/responses/Proxied"
                  }
                }
              }
            },
            "/api/v1/connections/{id}": {
              "parameters": [
                {
                  "name": "id",
                  "in": "path",
                  "required": true,
                  "schema": {
                    "type": "string",
                    "pattern": "^conn_[0-9A-Z]{26}$"
                  }
                }
              ],
              "get": {
                "summary": "Get a connection",
                "responses": {
                  "200": {
                    "description": "The connection",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Connection"
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              },
              "patch": {
                "summary": "Update a connection (JSON merge patch: members set to null are removed)",
                "description": "Credentials are merged with the stored ones and re-sealed; send only the credential to rotate.",
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/ConnectionUpdate"
                      }
                    },
                    "application/merge-patch+json": {
                      "schema": {
                        "$ref": "#/components/schemas/ConnectionUpdate"
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "The updated connection",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Connection"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "413": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              },
              "delete": {
                "summary": "Delete a connection and its credentials",
                "responses": {
                  "204": {
                    "description": "Deleted"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/webhooks/{connectionId}": {
              "post": {
                "summary": "Receive a webhook for a connection",
                "description": "The connection's provider (or settings.webhook.verifier) picks the signature scheme: Stripe, Standard Webhooks, Svix, GitHub, Shopify, Slack or a generic HMAC. A verified event is committed to the inbox before the 200; a duplicate provider event id is acknowledged with duplicate=true and stored once. Slack's url_verification is answered with its challenge as text/plain.",
                "security": [],
                "parameters": [
                  {
                    "name": "connectionId",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    },
                    "description": "The connection (conn_…)"
                  }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "*/*": {
                      "schema": {}
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "Stored, or acknowledged as a duplicate",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/WebhookAcknowledgement"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "413": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "429": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              },
              "get": {
                "summary": "Echo handshake",
                "description": "Answers the value of the query parameter named by settings.webhook.challengeParameter, as text/plain.",
                "security": [],
                "parameters": [
                  {
                    "name": "connectionId",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    },
                    "description": "The connection (conn_…)"
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The challenge, echoed",
                    "content": {
                      "text/plain": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "405": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/api/v1/events": {
              "get": {
                "summary": "List inbound events, newest first",
                "parameters": [
                  {
                    "name": "connectionId",
                    "in": "query",
                    "required": false,
                    "schema": {
                      "type": "string"
                    },
                    "description": "Only this connection's events"
                  },
                  {
                    "name": "type",
                    "in": "query",
                    "required": false,
                    "schema": {
                      "type": "string"
                    },
                    "description": "A normalized type (stripe.customer.created) or a prefix wildcard (stripe.*)"
                  },
                  {
                    "name": "status",
                    "in": "query",
                    "required": false,
                    "schema": {
                      "enum": [
                        "received",
                        "processed",
                        "failed",
                        "dead"
                      ]
                    }
                  },
                  {
                    "name": "since",
                    "in": "query",
                    "required": false,
                    "schema": {
                      "type": "string"
                    },
                    "description": "Received at or after (ISO 8601)"
                  },
                  {
                    "name": "until",
                    "in": "query",
                    "required": false,
                    "schema": {
                      "type": "string"
                    },
                    "description": "Received before (ISO 8601)"
                  },
                  {
                    "name": "limit",
                    "in": "query",
                    "required": false,
                    "schema": {
                      "type": "integer"
                    },
                    "description": "Page size, 1 to 200 (default 50)"
                  },
                  {
                    "name": "cursor",
                    "in": "query",
                    "required": false,
                    "schema": {
                      "type": "string"
                    },
                    "description": "The nextCursor of the previous page"
                  }
                ],
                "responses": {
                  "200": {
                    "description": "A page of events",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/EventPage"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/api/v1/events/{id}": {
              "get": {
                "summary": "An inbound event, normalized, with its processing attempts",
                "parameters": [
                  {
                    "name": "id",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    },
                    "description": "The event (evt_…)"
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The event",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Event"
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/api/v1/events/{id}/replay": {
              "post": {
                "summary": "Process an event again",
                "description": "Its handlers run again; messages it forwards are new ones.",
                "parameters": [
                  {
                    "name": "id",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    },
                    "description": "The event (evt_…)"
                  }
                ],
                "responses": {
                  "202": {
                    "description": "Replay queued",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Event"
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/api/v1/endpoints": {
              "post": {
                "summary": "Create an outbound endpoint",
                "description": "The response carries the signing secret (whsec_…), shown only this once. URLs resolving to loopback, private, link-local or metadata addresses are refused unless the server runs with --allow-private-endpoints.",
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/EndpointCreate"
                      }
                    }
                  }
                },
                "responses": {
                  "201": {
                    "description": "Created",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Endpoint"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "413": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "415": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              },
              "get": {
                "summary": "List endpoints",
                "parameters": [
                  {
                    "name": "limit",
                    "in": "query",
                    "required": false,
                    "schema": {
                      "type": "integer"
                    },
                    "description": "Page size, 1 to 200 (default 50)"
                  },
                  {
                    "name": "cursor",
                    "in": "query",
                    "required": false,
                    "schema": {
                      "type": "string"
                    },
                    "description": "The nextCursor of the previous page"
                  }
                ],
                "responses": {
                  "200": {
                    "description": "A page of endpoints",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/EndpointPage"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/api/v1/endpoints/{id}": {
              "get": {
                "summary": "An endpoint",
                "parameters": [
                  {
                    "name": "id",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    },
                    "description": "The endpoint (ep_…)"
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The endpoint",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Endpoint"
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              },
              "patch": {
                "summary": "Change an endpoint",
                "description": "Members present replace; null removes rateLimit or retrySchedule; enabled re-enables a disabled endpoint or disables it.",
                "parameters": [
                  {
                    "name": "id",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    },
                    "description": "The endpoint (ep_…)"
                  }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/EndpointUpdate"
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "The endpoint",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Endpoint"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "413": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "415": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              },
              "delete": {
                "summary": "Delete an endpoint and its secret",
                "parameters": [
                  {
                    "name": "id",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    },
                    "description": "The endpoint (ep_…)"
                  }
                ],
                "responses": {
                  "204": {
                    "description": "Deleted"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/api/v1/endpoints/{id}/secret/rotate": {
              "post": {
                "summary": "Rotate the signing secret",
                "description": "The new secret signs from now on; the previous one keeps signing alongside it for 24 hours.",
                "parameters": [
                  {
                    "name": "id",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    },
                    "description": "The endpoint (ep_…)"
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The new secret, shown only this once",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "required": [
                            "secret",
                            "previousSecretExpiresAt"
                          ],
                          "properties": {
                            "secret": {
                              "type": "string"
                            },
                            "previousSecretExpiresAt": {
                              "type": "string",
                              "format": "date-time"
                            }
                          }
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/api/v1/endpoints/{id}/attempts": {
              "get": {
                "summary": "Every delivery attempt to the endpoint, newest first",
                "parameters": [
                  {
                    "name": "id",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    },
                    "description": "The endpoint (ep_…)"
                  },
                  {
                    "name": "limit",
                    "in": "query",
                    "required": false,
                    "schema": {
                      "type": "integer"
                    },
                    "description": "Page size, 1 to 200 (default 50)"
                  },
                  {
                    "name": "cursor",
                    "in": "query",
                    "required": false,
                    "schema": {
                      "type": "string"
                    },
                    "description": "The nextCursor of the previous page"
                  }
                ],
                "responses": {
                  "200": {
                    "description": "A page of attempts",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/AttemptPage"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/api/v1/endpoints/{id}/recover": {
              "post": {
                "summary": "Resend every delivery to the endpoint that failed since a time",
                "parameters": [
                  {
                    "name": "id",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    },
                    "description": "The endpoint (ep_…)"
                  },
                  {
                    "name": "since",
                    "in": "query",
                    "required": true,
                    "schema": {
                      "type": "string",
                      "format": "date-time"
                    }
                  }
                ],
                "responses": {
                  "202": {
                    "description": "Deliveries scheduled",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Resend"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "409": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/api/v1/messages": {
              "post": {
                "summary": "Send a message to every endpoint subscribed to its type",
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/MessageCreate"
                      }
                    }
                  }
                },
                "responses": {
                  "202": {
                    "description": "Accepted; deliveries are scheduled (or, for a repeated idempotencyKey, the earlier message is returned)",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Message"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "413": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "415": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/api/v1/messages/{id}": {
              "get": {
                "summary": "A message and its deliveries",
                "parameters": [
                  {
                    "name": "id",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    },
                    "description": "The message (msg_…)"
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The message",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Message"
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/api/v1/messages/{id}/retry": {
              "post": {
                "summary": "Resend the message's failed deliveries",
                "parameters": [
                  {
                    "name": "id",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    },
                    "description": "The message (msg_…)"
                  }
                ],
                "responses": {
                  "202": {
                    "description": "Deliveries scheduled",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Resend"
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/api/v1/providers/{name}": {
              "get": {
                "summary": "One provider: auth kinds, credential fields, API version, webhooks and resources",
                "parameters": [
                  {
                    "name": "name",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    },
                    "description": "The provider (stripe)"
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The provider",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Provider"
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/api/v1/connections/{id}/test": {
              "post": {
                "summary": "Run the provider's health probe with the connection's credentials",
                "parameters": [
                  {
                    "name": "id",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    },
                    "description": "The connection (conn_…)"
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The provider answered",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "required": [
                            "ok",
                            "provider",
                            "latencyMs"
                          ],
                          "properties": {
                            "ok": {
                              "const": true
                            },
                            "provider": {
                              "type": "string"
                            },
                            "latencyMs": {
                              "type": "number"
                            }
                          }
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "409": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "429": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "502": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "503": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "504": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "405": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/api/v1/connections/{id}/resources": {
              "get": {
                "summary": "The resources of the connection's provider",
                "parameters": [
                  {
                    "name": "id",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    },
                    "description": "The connection (conn_…)"
                  }
                ],
                "responses": {
                  "200": {
                    "description": "Resources",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "required": [
                            "data"
                          ],
                          "properties": {
                            "data": {
                              "type": "array",
                              "items": {
                                "$ref": "#/components/schemas/Resource"
                              }
                            }
                          }
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "409": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/api/v1/connections/{id}/resources/{resource}": {
              "get": {
                "summary": "A page of the resource's records",
                "description": "Each record comes with its provider id and, where the connection has a mapping for the resource, in the application's shape.",
                "parameters": [
                  {
                    "name": "id",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    },
                    "description": "The connection (conn_…)"
                  },
                  {
                    "name": "resource",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    },
                    "description": "The resource, as GET /api/v1/providers/{name} lists them (customers)"
                  },
                  {
                    "name": "cursor",
                    "in": "query",
                    "required": false,
                    "schema": {
                      "type": "string"
                    },
                    "description": "The nextCursor of the previous page"
                  },
                  {
                    "name": "limit",
                    "in": "query",
                    "required": false,
                    "schema": {
                      "type": "integer"
                    },
                    "description": "Records per page, 1 to 1000, capped at what the provider serves"
                  },
                  {
                    "name": "updatedSince",
                    "in": "query",
                    "required": false,
                    "schema": {
                      "type": "string"
                    },
                    "description": "Only records changed since (ISO 8601 or Unix seconds), for resources with an incremental cursor"
                  },
                  {
                    "name": "checkpoint",
                    "in": "query",
                    "required": false,
                    "schema": {
                      "type": "string"
                    },
                    "description": "Only changes since this checkpoint (the checkpoint of an earlier listing's last page), for providers with their own sync state"
                  }
                ],
                "responses": {
                  "200": {
                    "description": "A page",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/RecordPage"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "405": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "409": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "422": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "429": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "502": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "503": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "504": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "410": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              },
              "post": {
                "summary": "Create a record",
                "parameters": [
                  {
                    "name": "id",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    },
                    "description": "The connection (conn_…)"
                  },
                  {
                    "name": "resource",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    },
                    "description": "The resource, as GET /api/v1/providers/{name} lists them (customers)"
                  },
                  {
                    "name": "Idempotency-Key",
                    "in": "header",
                    "required": false,
                    "schema": {
                      "type": "string"
                    },
                    "description": "Makes a retried create happen once, where the provider honours keys (Stripe)"
                  },
                  {
                    "name": "input",
                    "in": "query",
                    "required": false,
                    "schema": {
                      "enum": [
                        "provider",
                        "mapped"
                      ]
                    },
                    "description": "mapped: the body is in the application's shape and is mapped back with the connection's mapping"
                  }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "type": "object"
                      }
                    }
                  }
                },
                "responses": {
                  "201": {
                    "description": "Created",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/RecordItem"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "405": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "409": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "422": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "429": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "502": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "503": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "504": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "413": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "415": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/api/v1/connections/{id}/resources/{resource}/{externalId}": {
              "get": {
                "summary": "One record",
                "parameters": [
                  {
                    "name": "id",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    },
                    "description": "The connection (conn_…)"
                  },
                  {
                    "name": "resource",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    },
                    "description": "The resource, as GET /api/v1/providers/{name} lists them (customers)"
                  },
                  {
                    "name": "externalId",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    },
                    "description": "The provider's id of the record (percent-encode '/')"
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The record",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/RecordItem"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "405": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "409": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "422": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "429": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "502": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "503": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "504": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              },
              "patch": {
                "summary": "Change a record",
                "parameters": [
                  {
                    "name": "id",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    },
                    "description": "The connection (conn_…)"
                  },
                  {
                    "name": "resource",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    },
                    "description": "The resource, as GET /api/v1/providers/{name} lists them (customers)"
                  },
                  {
                    "name": "externalId",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    },
                    "description": "The provider's id of the record (percent-encode '/')"
                  },
                  {
                    "name": "Idempotency-Key",
                    "in": "header",
                    "required": false,
                    "schema": {
                      "type": "string"
                    },
                    "description": "Makes a retried create happen once, where the provider honours keys (Stripe)"
                  },
                  {
                    "name": "input",
                    "in": "query",
                    "required": false,
                    "schema": {
                      "enum": [
                        "provider",
                        "mapped"
                      ]
                    },
                    "description": "mapped: the body is in the application's shape and is mapped back with the connection's mapping"
                  }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "type": "object"
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "The record as the provider now has it",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/RecordItem"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "405": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "409": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "422": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "429": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "502": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "503": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "504": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "413": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "415": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              },
              "delete": {
                "summary": "Delete a record (or archive or cancel it, as the provider defines deletion)",
                "parameters": [
                  {
                    "name": "id",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    },
                    "description": "The connection (conn_…)"
                  },
                  {
                    "name": "resource",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    },
                    "description": "The resource, as GET /api/v1/providers/{name} lists them (customers)"
                  },
                  {
                    "name": "externalId",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    },
                    "description": "The provider's id of the record (percent-encode '/')"
                  }
                ],
                "responses": {
                  "200": {
                    "description": "What the provider answered",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "required": [
                            "externalId",
                            "record"
                          ],
                          "properties": {
                            "externalId": {
                              "type": "string"
                            },
                            "record": {}
                          }
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "405": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "409": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "422": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "429": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "502": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "503": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "504": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/api/v1/connections/{id}/resources/{resource}/batch": {
              "post": {
                "summary": "Create many records",
                "description": "One outcome per record, by index; a refused record does not fail the others. Salesforce batches go through the Composite API, or past 2,000 records a Bulk API 2.0 job, whose outcomes are not indexed (successes then failures, each with the record's fields); 202 if the job is still running after 10 minutes.",
                "parameters": [
                  {
                    "name": "id",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    },
                    "description": "The connection (conn_…)"
                  },
                  {
                    "name": "resource",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    },
                    "description": "The resource, as GET /api/v1/providers/{name} lists them (customers)"
                  }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "type": "object",
                        "required": [
                          "records"
                        ],
                        "additionalProperties": false,
                        "properties": {
                          "records": {
                            "type": "array",
                            "minItems": 1,
                            "maxItems": 10000,
                            "items": {
                              "type": "object"
                            }
                          }
                        }
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "Every record's outcome",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/BatchResult"
                        }
                      }
                    }
                  },
                  "202": {
                    "description": "A bulk job still running",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/BatchResult"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "405": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "409": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "422": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "429": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "502": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "503": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "504": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "413": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "415": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/api/v1/connections/{id}/resources/{resource}/{externalId}/content": {
              "get": {
                "summary": "A stored file's bytes (Cloud Storage objects)",
                "parameters": [
                  {
                    "name": "id",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    },
                    "description": "The connection (conn_…)"
                  },
                  {
                    "name": "resource",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    },
                    "description": "The resource, as GET /api/v1/providers/{name} lists them (customers)"
                  },
                  {
                    "name": "externalId",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    },
                    "description": "The provider's id of the record (percent-encode '/')"
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The content, with its media type",
                    "content": {
                      "*/*": {
                        "schema": {}
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "405": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "409": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "422": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "429": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "502": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "503": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "504": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            },
            "/api/v1/connections/{id}/changes/{resource}": {
              "get": {
                "summary": "Deletions and updated ids in a window, where the provider reports them (Salesforce getDeleted/getUpdated, a change feed's delete events, a flagged listing)",
                "parameters": [
                  {
                    "name": "id",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    },
                    "description": "The connection (conn_…)"
                  },
                  {
                    "name": "resource",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string"
                    },
                    "description": "The resource, as GET /api/v1/providers/{name} lists them (customers)"
                  },
                  {
                    "name": "since",
                    "in": "query",
                    "required": true,
                    "schema": {
                      "type": "string"
                    },
                    "description": "ISO 8601 or Unix seconds"
                  },
                  {
                    "name": "until",
                    "in": "query",
                    "required": false,
                    "schema": {
                      "type": "string"
                    },
                    "description": "ISO 8601 or Unix seconds; default now"
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The changes",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "required": [
                            "deleted"
                          ],
                          "properties": {
                            "deleted": {
                              "type": "array",
                              "items": {
                                "type": "object",
                                "required": [
                                  "externalId"
                                ],
                                "properties": {
                                  "externalId": {
                                    "type": "string"
                                  },
                                  "deletedAt": {
                                    "type": "string",
                                    "format": "date-time"
                                  }
                                }
                              }
                            },
                            "updated": {
                              "type": "array",
                              "items": {
                                "type": "string"
                              }
                            },
                            "coveredUntil": {
                              "type": "string",
                              "format": "date-time"
                            }
                          }
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "401": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "404": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "405": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "409": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "422": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "429": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "502": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "503": {
                    "$ref": "#/components/responses/Problem"
                  },
                  "504": {
                    "$ref": "#/components/responses/Problem"
                  }
                }
              }
            }
          },
          "components": {
            "securitySchemes": {
              "adminToken": {
                "type": "http",
                "scheme": "bearer",
                "description": "JUNCTION_ADMIN_TOKEN, or the token printed at first start"
              }
            },
            "responses": {
              "Problem": {
                "description": "An RFC 9457 problem",
                "content": {
                  "application/problem+json": {
                    "schema": {
                      "$ref": "#/components/schemas/Problem"
                    }
                  }
                }
              }
            },
            "schemas": {
              "Problem": {
                "type": "object",
                "required": [
                  "type",
                  "title",
                  "status",
                  "detail"
                ],
                "properties": {
                  "type": {
                    "type": "string"
                  },
                  "title": {
                    "type": "string"
                  },
                  "status": {
                    "type": "integer"
                  },
                  "detail": {
                    "type": "string"
                  },
                  "unknownFields": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    }
                  },
                  "knownProviders": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    }
                  }
                }
              },
              "Provider": {
                "type": "object",
                "required": [
                  "name",
                  "displayName",
                  "authKinds",
                  "credentialFields"
                ],
                "properties": {
                  "name": {
                    "type": "string"
                  },
                  "displayName": {
                    "type": "string"
                  },
                  "authKinds": {
                    "type": "array",
                    "items": {
                      "enum": [
                        "api_key",
                        "oauth2_authorization_code",
                        "oauth2_client_credentials",
                        "jwt_bearer",
                        "basic"
                      ]
                    }
                  },
                  "defaultBaseURL": {
                    "type": [
                      "string",
                      "null"
                    ]
                  },
                  "credentialFields": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    }
                  },
                  "apiVersionHeader": {
                    "type": [
                      "string",
                      "null"
                    ]
                  },
                  "defaultAPIVersion": {
                    "type": [
                      "string",
                      "null"
                    ]
                  },
                  "webhookVerifier": {
                    "type": [
                      "string",
                      "null"
                    ]
                  },
                  "resources": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/Resource"
                    }
                  }
                }
              },
              "Connection": {
                "type": "object",
                "required": [
                  "id",
                  "provider",
                  "name",
                  "status",
                  "settings",
                  "credentials",
                  "createdAt",
                  "updatedAt"
                ],
                "properties": {
                  "id": {
                    "type": "string"
                  },
                  "provider": {
                    "type": "string"
                  },
                  "name": {
                    "type": "string"
                  },
                  "status": {
                    "type": "string"
                  },
                  "settings": {
                    "type": "object"
                  },
                  "credentials": {
                    "type": "object",
                    "description": "Masked: sk_test_…4242",
                    "additionalProperties": {
                      "type": "string"
                    }
                  },
                  "createdAt": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "updatedAt": {
                    "type": "string",
                    "format": "date-time"
                  }
                }
              },
              "ConnectionCreate": {
                "type": "object",
                "required": [
                  "provider",
                  "name"
                ],
                "additionalProperties": false,
                "properties": {
                  "provider": {
                    "type": "string",
                    "examples": [
                      "stripe"
                    ]
                  },
                  "name": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 200
                  },
                  "settings": {
                    "type": "object",
                    "properties": {
                      "baseURL": {
                        "type": "string",
                        "format": "uri"
                      }
                    }
                  },
                  "credentials": {
                    "type": "object",
                    "additionalProperties": {
                      "type": [
                        "string",
                        "object",
                        "array"
                      ]
                    }
                  }
                }
              },
              "ConnectionUpdate": {
                "type": "object",
                "additionalProperties": false,
                "properties": {
                  "name": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 200
                  },
                  "settings": {
                    "type": "object"
                  },
                  "credentials": {
                    "type": "object",
                    "additionalProperties": {
                      "type": [
                        "string",
                        "object",
                        "array",
                        "null"
                      ]
                    }
                  }
                }
              },
              "ConnectionPage": {
                "type": "object",
                "required": [
                  "data"
                ],
                "properties": {
                  "data": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/Connection"
                    }
                  },
                  "nextCursor": {
                    "type": [
                      "string",
                      "null"
                    ]
                  }
                }
              },
              "WebhookAcknowledgement": {
                "type": "object",
                "required": [
                  "duplicate"
                ],
                "properties": {
                  "id": {
                    "type": "string"
                  },
                  "duplicate": {
                    "type": "boolean"
                  }
                }
              },
              "Event": {
                "type": "object",
                "required": [
                  "id",
                  "connectionId",
                  "provider",
                  "type",
                  "externalId",
                  "receivedAt",
                  "status",
                  "attempts",
                  "replays"
                ],
                "properties": {
                  "id": {
                    "type": "string"
                  },
                  "connectionId": {
                    "type": "string"
                  },
                  "provider": {
                    "type": "string"
                  },
                  "type": {
                    "type": "string",
                    "examples": [
                      "stripe.customer.created"
                    ]
                  },
                  "externalId": {
                    "type": "string"
                  },
                  "occurredAt": {
                    "type": [
                      "string",
                      "null"
                    ],
                    "format": "date-time"
                  },
                  "receivedAt": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "status": {
                    "enum": [
                      "received",
                      "processed",
                      "failed",
                      "dead"
                    ]
                  },
                  "attempts": {
                    "type": "integer"
                  },
                  "replays": {
                    "type": "integer"
                  },
                  "lastError": {
                    "type": [
                      "string",
                      "null"
                    ]
                  },
                  "processedAt": {
                    "type": [
                      "string",
                      "null"
                    ],
                    "format": "date-time"
                  },
                  "event": {
                    "type": "object",
                    "description": "The normalized event {id, connectionId, provider, type, occurredAt, data}"
                  },
                  "processingAttempts": {
                    "type": "array",
                    "items": {
                      "type": "object",
                      "properties": {
                        "attempt": {
                          "type": "integer"
                        },
                        "succeeded": {
                          "type": "boolean"
                        },
                        "error": {
                          "type": [
                            "string",
                            "null"
                          ]
                        },
                        "startedAt": {
                          "type": "string",
                          "format": "date-time"
                        },
                        "durationMs": {
                          "type": "integer"
                        }
                      }
                    }
                  }
                }
              },
              "EventPage": {
                "type": "object",
                "required": [
                  "data"
                ],
                "properties": {
                  "data": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/Event"
                    }
                  },
                  "nextCursor": {
                    "type": "string"
                  }
                }
              },
              "EndpointCreate": {
                "type": "object",
                "required": [
                  "url"
                ],
                "additionalProperties": false,
                "properties": {
                  "url": {
                    "type": "string",
                    "format": "uri"
                  },
                  "eventTypes": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    },
                    "description": "Exact types, prefix wildcards (stripe.*) or *; default [\"*\"]"
                  },
                  "description": {
                    "type": "string"
                  },
                  "rateLimit": {
                    "type": [
                      "integer",
                      "null"
                    ],
                    "minimum": 1,
                    "description": "Deliveries per second"
                  },
                  "retrySchedule": {
                    "type": [
                      "array",
                      "null"
                    ],
                    "items": {
                      "type": "integer",
                      "minimum": 0
                    },
                    "description": "Seconds to wait after each failed attempt; default [5, 300, 1800, 7200, 18000, 36000, 36000]"
                  },
                  "ordered": {
                    "type": "boolean",
                    "description": "Deliver one at a time in the order messages were accepted (FIFO); default false"
                  }
                }
              },
              "EndpointUpdate": {
                "type": "object",
                "additionalProperties": false,
                "properties": {
                  "url": {
                    "type": "string",
                    "format": "uri"
                  },
                  "eventTypes": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    },
                    "description": "Exact types, prefix wildcards (stripe.*) or *; default [\"*\"]"
                  },
                  "description": {
                    "type": "string"
                  },
                  "rateLimit": {
                    "type": [
                      "integer",
                      "null"
                    ],
                    "minimum": 1,
                    "description": "Deliveries per second"
                  },
                  "retrySchedule": {
                    "type": [
                      "array",
                      "null"
                    ],
                    "items": {
                      "type": "integer",
                      "minimum": 0
                    },
                    "description": "Seconds to wait after each failed attempt; default [5, 300, 1800, 7200, 18000, 36000, 36000]"
                  },
                  "enabled": {
                    "type": "boolean"
                  },
                  "ordered": {
                    "type": "boolean",
                    "description": "Deliver one at a time in the order messages were accepted (FIFO); default false"
                  }
                }
              },
              "Endpoint": {
                "type": "object",
                "required": [
                  "id",
                  "url",
                  "description",
                  "eventTypes",
                  "retrySchedule",
                  "status",
                  "createdAt",
                  "updatedAt",
                  "ordered"
                ],
                "properties": {
                  "id": {
                    "type": "string"
                  },
                  "url": {
                    "type": "string",
                    "format": "uri"
                  },
                  "eventTypes": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    },
                    "description": "Exact types, prefix wildcards (stripe.*) or *; default [\"*\"]"
                  },
                  "description": {
                    "type": "string"
                  },
                  "rateLimit": {
                    "type": [
                      "integer",
                      "null"
                    ],
                    "minimum": 1,
                    "description": "Deliveries per second"
                  },
                  "retrySchedule": {
                    "type": [
                      "array",
                      "null"
                    ],
                    "items": {
                      "type": "integer",
                      "minimum": 0
                    },
                    "description": "Seconds to wait after each failed attempt; default [5, 300, 1800, 7200, 18000, 36000, 36000]"
                  },
                  "status": {
                    "enum": [
                      "enabled",
                      "disabled"
                    ]
                  },
                  "disabledReason": {
                    "type": [
                      "string",
                      "null"
                    ]
                  },
                  "failingSince": {
                    "type": [
                      "string",
                      "null"
                    ],
                    "format": "date-time"
                  },
                  "createdAt": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "updatedAt": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "secret": {
                    "type": "string",
                    "description": "Only in the response that creates the endpoint"
                  },
                  "ordered": {
                    "type": "boolean",
                    "description": "Deliver one at a time in the order messages were accepted (FIFO); default false"
                  }
                }
              },
              "EndpointPage": {
                "type": "object",
                "required": [
                  "data"
                ],
                "properties": {
                  "data": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/Endpoint"
                    }
                  },
                  "nextCursor": {
                    "type": "string"
                  }
                }
              },
              "Attempt": {
                "type": "object",
                "properties": {
                  "id": {
                    "type": "string"
                  },
                  "deliveryId": {
                    "type": "string"
                  },
                  "messageId": {
                    "type": "string"
                  },
                  "endpointId": {
                    "type": "string"
                  },
                  "attempt": {
                    "type": "integer"
                  },
                  "statusCode": {
                    "type": [
                      "integer",
                      "null"
                    ]
                  },
                  "succeeded": {
                    "type": "boolean"
                  },
                  "error": {
                    "type": [
                      "string",
                      "null"
                    ]
                  },
                  "latencyMs": {
                    "type": "integer"
                  },
                  "responseExcerpt": {
                    "type": [
                      "string",
                      "null"
                    ]
                  },
                  "createdAt": {
                    "type": "string",
                    "format": "date-time"
                  }
                }
              },
              "AttemptPage": {
                "type": "object",
                "required": [
                  "data"
                ],
                "properties": {
                  "data": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/Attempt"
                    }
                  },
                  "nextCursor": {
                    "type": "string"
                  }
                }
              },
              "MessageCreate": {
                "type": "object",
                "required": [
                  "eventType",
                  "payload"
                ],
                "additionalProperties": false,
                "properties": {
                  "eventType": {
                    "type": "string"
                  },
                  "payload": {},
                  "idempotencyKey": {
                    "type": "string",
                    "maxLength": 255
                  }
                }
              },
              "Message": {
                "type": "object",
                "required": [
                  "id",
                  "eventType",
                  "payload",
                  "createdAt"
                ],
                "properties": {
                  "id": {
                    "type": "string"
                  },
                  "eventType": {
                    "type": "string"
                  },
                  "payload": {},
                  "idempotencyKey": {
                    "type": "string"
                  },
                  "createdAt": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "deliveriesCreated": {
                    "type": "integer"
                  },
                  "duplicate": {
                    "type": "boolean"
                  },
                  "deliveries": {
                    "type": "array",
                    "items": {
                      "type": "object",
                      "properties": {
                        "id": {
                          "type": "string"
                        },
                        "endpointId": {
                          "type": "string"
                        },
                        "status": {
                          "enum": [
                            "pending",
                            "succeeded",
                            "failed"
                          ]
                        },
                        "attempts": {
                          "type": "integer"
                        },
                        "lastStatusCode": {
                          "type": [
                            "integer",
                            "null"
                          ]
                        },
                        "lastError": {
                          "type": [
                            "string",
                            "null"
                          ]
                        },
                        "nextAttemptAt": {
                          "type": [
                            "string",
                            "null"
                          ],
                          "format": "date-time"
                        },
                        "updatedAt": {
                          "type": "string",
                          "format": "date-time"
                        }
                      }
                    }
                  }
                }
              },
              "Resend": {
                "type": "object",
                "required": [
                  "scheduled"
                ],
                "properties": {
                  "scheduled": {
                    "type": "integer"
                  }
                }
              },
              "Resource": {
                "type": "object",
                "required": [
                  "name",
                  "description",
                  "operations",
                  "idField",
                  "deletes"
                ],
                "properties": {
                  "name": {
                    "type": "string"
                  },
                  "description": {
                    "type": "string"
                  },
                  "operations": {
                    "type": "array",
                    "items": {
                      "enum": [
                        "list",
                        "get",
                        "create",
                        "update",
                        "delete"
                      ]
                    }
                  },
                  "idField": {
                    "type": "string"
                  },
                  "cursorField": {
                    "type": "string"
                  },
                  "deletes": {
                    "type": "string",
                    "description": "Where deletions are learned from"
                  }
                }
              },
              "RecordItem": {
                "type": "object",
                "required": [
                  "record"
                ],
                "properties": {
                  "externalId": {
                    "type": "string"
                  },
                  "record": {
                    "description": "The provider's record"
                  },
                  "mapped": {
                    "description": "The record in the application's shape, with a mapping"
                  },
                  "mappingVersion": {
                    "type": "integer"
                  },
                  "mappingError": {
                    "type": "string"
                  }
                }
              },
              "RecordPage": {
                "type": "object",
                "required": [
                  "data"
                ],
                "properties": {
                  "data": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/RecordItem"
                    }
                  },
                  "nextCursor": {
                    "type": "string"
                  },
                  "checkpoint": {
                    "type": "string",
                    "description": "On the last page, where the next incremental listing starts"
                  }
                }
              },
              "BatchResult": {
                "type": "object",
                "required": [
                  "method",
                  "results"
                ],
                "properties": {
                  "method": {
                    "enum": [
                      "sequential",
                      "composite",
                      "bulk"
                    ]
                  },
                  "results": {
                    "type": "array",
                    "items": {
                      "type": "object",
                      "required": [
                        "index",
                        "created"
                      ],
                      "properties": {
                        "index": {
                          "type": "integer"
                        },
                        "created": {
                          "type": "boolean"
                        },
                        "externalId": {
                          "type": "string"
                        },
                        "record": {},
                        "error": {
                          "type": "string"
                        },
                        "providerStatus": {
                          "type": "integer"
                        }
                      }
                    }
                  },
                  "jobId": {
                    "type": "string"
                  },
                  "jobState": {
                    "type": "string"
                  }
                }
              }
            }
          }
        }
        """#
}
