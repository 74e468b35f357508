// Starts GraphiQL against this server's /graphql. Add your token in the Headers tab:
// {"Authorization": "Bearer qf_..."}. Headers are not saved in the browser. Subscriptions go
// over WebSocket to /graphql/ws, signed in with the same headers (sent in connection_init).
const subscriptionUrl = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/graphql/ws`;
const fetcher = GraphiQL.createFetcher({ url: "/graphql", subscriptionUrl });
ReactDOM.createRoot(document.getElementById("graphiql")).render(
  React.createElement(GraphiQL, {
    fetcher,
    defaultEditorToolsVisibility: "headers",
    shouldPersistHeaders: false,
    defaultHeaders: '{"Authorization": "Bearer "}',
  }),
);
