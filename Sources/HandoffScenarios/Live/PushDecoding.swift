import Foundation
import HandoffAPI
import HandoffEngine

/// Socket frames of the wire contract (docs/api.md, and the widget socket) to ``PushEvent``s.
enum PushDecoding {
    static func event(_ text: String, decoding: WireDecoding) -> PushEvent {
        let data = Data(text.utf8)
        let decoder = JSONDecoder()
        typealias Frame = HandoffAPI.WebSocketFrame
        do {
            let type = try decoder.decode(Frame.Header.self, from: data).type
            switch type {
            case Frame.FrameType.handoffStatus:
                let payload = try decoder.decode(Frame.Envelope<Frame.HandoffStatusChanged>.self, from: data).payload
                return .handoffStatus(try decoding.id(payload.handoffId, "handoffId"), try decoding.status(payload.status))
            case Frame.FrameType.handoffMessage, Frame.FrameType.agentMessage:
                let payload = try decoder.decode(Frame.Envelope<Frame.MessagePosted>.self, from: data).payload
                return .message(try decoding.message(payload.message))
            case Frame.FrameType.newHandoff:
                return .newHandoff(try decoding.handoff(try decoder.decode(Frame.Envelope<Frame.NewHandoff>.self, from: data).payload.handoff))
            case Frame.FrameType.handoffPickedUp:
                let payload = try decoder.decode(Frame.Envelope<Frame.PickedUp>.self, from: data).payload
                return .pickedUp(try decoding.id(payload.handoffId, "handoffId"), agentName: payload.agentName)
            case Frame.FrameType.handoffResolved:
                let payload = try decoder.decode(Frame.Envelope<Frame.Resolved>.self, from: data).payload
                return .resolved(try decoding.id(payload.handoffId, "handoffId"))
            case Frame.FrameType.agentStatus:
                let payload = try decoder.decode(Frame.Envelope<Frame.AgentStatusChanged>.self, from: data).payload
                return .agentStatus(decoding.agentID(payload.agentId), payload.status)
            default:
                return .other(type)
            }
        } catch {
            return .unreadable("\(error): \(text.prefix(200))")
        }
    }
}
