import { lazy, Suspense, type ReactNode } from "react";
import { Route, Routes } from "react-router";
import { HomePage } from "@/app/routes/HomePage";
import { LoginPage } from "@/app/routes/LoginPage";
import { NotFoundPage } from "@/app/routes/NotFoundPage";
import { RegisterPage } from "@/app/routes/RegisterPage";
import { AppLayout } from "@/components/layout/AppLayout";
import { Spinner } from "@/components/ui/spinner";
import { RequireRole } from "@/features/auth/components/RequireRole";

// The player (hls.js) and the management pages load on demand.
const RoomPage = lazy(() => import("@/app/routes/RoomPage").then((m) => ({ default: m.RoomPage })));
const DashboardPage = lazy(() => import("@/app/routes/DashboardPage").then((m) => ({ default: m.DashboardPage })));
const ClipPage = lazy(() => import("@/app/routes/ClipPage").then((m) => ({ default: m.ClipPage })));
const AdminPage = lazy(() => import("@/app/routes/AdminPage").then((m) => ({ default: m.AdminPage })));

function Lazy({ children }: { children: ReactNode }) {
  return <Suspense fallback={<Spinner label="Loading page" />}>{children}</Suspense>;
}

export function App() {
  return (
    <Routes>
      <Route element={<AppLayout />}>
        <Route index element={<HomePage />} />
        <Route path="rooms/:id" element={<Lazy><RoomPage /></Lazy>} />
        <Route path="clips/:id" element={<Lazy><ClipPage /></Lazy>} />
        <Route path="login" element={<LoginPage />} />
        <Route path="register" element={<RegisterPage />} />
        <Route
          path="dashboard"
          element={
            <RequireRole role="streamer">
              <Lazy>
                <DashboardPage />
              </Lazy>
            </RequireRole>
          }
        />
        <Route
          path="admin"
          element={
            <RequireRole role="admin">
              <Lazy>
                <AdminPage />
              </Lazy>
            </RequireRole>
          }
        />
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}
