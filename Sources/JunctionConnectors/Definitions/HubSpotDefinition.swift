extension BuiltInDefinitions {
    /// HubSpot CRM v3 objects, from https://developers.hubspot.com/docs/api/crm/contacts and
    /// https://developers.hubspot.com/docs/api/crm/companies: records as `{id, properties, createdAt, updatedAt,
    /// archived}`, lists paged with `after` / `paging.next.after` (at most 100), writes wrapped in `properties`,
    /// `DELETE` archives (archived records are listed with `archived=true`), errors as
    /// `{"status": "error", "message", "category"}`. A private app token is sent as a bearer token.
    static let hubspot = """
        name: hubspot
        displayName: HubSpot CRM
        baseURL: https://api.hubapi.com
        auth:
          kinds: [api_key, oauth2_authorization_code]
          placement: {type: bearer}
        pagination:
          style: cursor
          param: after
          next: paging.next.after
          limitParam: limit
          maxPageSize: 100
        records: results
        errors: {message: message, code: category}
        health: {path: /crm/v3/objects/contacts, query: {limit: 1}}
        resources:
          - name: contacts
            description: People in the CRM
            path: /crm/v3/objects/contacts
            operations: [list, get, create, update, delete]
            bodyWrapper: properties
            deletes: {flag: {field: archived, value: true, query: {archived: true}}}
          - name: companies
            description: Organisations in the CRM
            path: /crm/v3/objects/companies
            operations: [list, get, create, update, delete]
            bodyWrapper: properties
            deletes: {flag: {field: archived, value: true, query: {archived: true}}}
        """
}
