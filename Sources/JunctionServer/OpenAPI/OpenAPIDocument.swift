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
            "description": "Connections to third-party services, their credentials, and the server's health. Every /api/v1 route needs `Authorization: Bearer <admin token>`. Errors are RFC 9457 problem documents (application/problem+json)."
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
              }
            }
          }
        }
        """#
}
